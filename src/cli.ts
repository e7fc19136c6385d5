#!/usr/bin/env node
// The `am-metrics` command: reads the command line, starts the exporter (and the simulator with
// --simulate), and owns the process: signal handlers, exit status, one-line errors. Parsing lives in
// src/cli/options.ts, serving in src/server.ts, traffic in src/simulator/.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createAmMetrics } from './index.js';
import { startServer, type RunningServer } from './server.js';
import { amLivePage } from './metrics/page/live-page.js';
import { amJsonIds } from './metrics/json-ids.js';
import { AIC_PATHS, JSON_PATH, LEGACY_PATHS, MONITORING_PAGE_PATH } from './http/paths.js';
import { describeError } from './http/logger.js';
import { ServerConfigError } from './http/errors.js';
import { AUTH_ENVIRONMENT, authSourceFromEnvironment } from './http/auth-environment.js';
import { createSimulator, type Simulator } from './simulator/simulator.js';
import { parseCommandLine, UsageError, type ServeSettings } from './cli/options.js';
import { USAGE } from './cli/usage.js';
import { forkServeWorkers, isServeWorker, runServeWorker, serveRegistry, type WorkerPool } from './cli/workers.js';
import { clusterMetrics } from './cluster.js';
import { createMetricStreams, type MetricStreams, type MetricStreamsOptions, type StreamSource } from './streams/service.js';
import { StreamStoreError } from './streams/errors.js';
import { METRIC_STREAMS_PATH } from './streams/management-api.js';
import { ADMIN_TOKEN_ENVIRONMENT, adminTokenSourceFromEnvironment } from './streams/admin-token.js';

/** Exit status of a command line that cannot be run (as most Unix tools use it). */
const EXIT_USAGE = 2;
/** Exit status when the server cannot start (port in use, unreadable file, ...). */
const EXIT_FAILURE = 1;

async function main(args: readonly string[]): Promise<void> {
  const command = parseCommandLine(args, process.env, { hostname, randomSeed: () => randomInt(2 ** 32) });
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      process.stdout.write(`${version()}\n`);
      return;
    case 'serve':
      if (isServeWorker()) runServeWorker(command.settings);
      else await serve(command.settings);
  }
}

async function serve(settings: ServeSettings): Promise<void> {
  const registry = serveRegistry(settings);
  if (settings.runtimeMetrics !== false) registry.runtimeMetrics();
  const am = createAmMetrics({ registry, podName: settings.podName });
  const isCluster = settings.workers !== undefined;
  const simulator = settings.simulator === undefined || isCluster ? undefined : createSimulator(am, settings.simulator);
  // In cluster mode the scrape and the streams read one primary: the workers' merged collection.
  const source = isCluster ? clusterMetrics.primary({ registry: am.registry }) : am.registry;
  const streams = startStreams(am.registry, source, settings);
  const server = await startServer({
    source,
    port: settings.port,
    host: settings.host,
    auth: authSourceFromEnvironment(process.env),
    page: amLivePage,
    jsonIds: amJsonIds,
    ...(settings.tls === undefined ? {} : { tls: settings.tls }),
    ...(streams === undefined ? {} : { streams: streams.api }),
    ...(streams !== undefined && settings.streams?.isGeneratedToken === false ? { streamsAdminToken: adminTokenSourceFromEnvironment(process.env) } : {}),
  }).catch((error: unknown) => {
    streams?.stop();
    throw new StartError(describeStartError(error, settings));
  });
  const workers = isCluster ? await forkServeWorkers(settings) : undefined;
  simulator?.start();
  streams?.start();
  stopOnSignals(server, simulator, workers, streams);
  reloadOnHangup(server);
  process.stdout.write(`${startLine(server, settings, simulator, workers)}\n`);
  if (streams !== undefined && settings.streams?.isGeneratedToken === true) {
    process.stdout.write(`metric streams: ${server.url}${METRIC_STREAMS_PATH}, admin token for this run: ${settings.streams.adminToken}\n`);
  }
}

/**
 * Opens the stream store and its delivery when the settings ask for them. Without SQLite (better-sqlite3
 * is an optional dependency) streams only `--simulate` turned on are left off with one line on stderr,
 * and serving goes on; streams the operator asked for stop the start.
 * @throws StartError
 */
function startStreams(registry: MetricStreamsOptions['registry'], source: StreamSource, settings: ServeSettings): MetricStreams | undefined {
  if (settings.streams === undefined) return undefined;
  try {
    return createMetricStreams({
      registry,
      source,
      storeFile: settings.streams.dbFile,
      adminToken: settings.streams.adminToken,
      allowInsecureHttp: settings.streams.allowInsecureHttp,
      logger: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    if (!(error instanceof StreamStoreError)) throw error;
    if (error.missingPackage === undefined || settings.streams.isRequested) throw new StartError(`cannot start: ${error.message}`);
    process.stderr.write(`am-metrics: metric streams are off: ${error.reason}\n`);
    return undefined;
  }
}

/**
 * The one line printed once the server listens: the address actually bound (`0.0.0.0` is every
 * interface, not `localhost`), which paths, who may read them, and what feeds it.
 */
function startLine(server: RunningServer, settings: ServeSettings, simulator: Simulator | undefined, workers?: WorkerPool): string {
  const [main, ...aliases] = [...AIC_PATHS, ...LEGACY_PATHS, JSON_PATH, MONITORING_PAGE_PATH];
  const auth = [settings.auth.basic === undefined ? [] : ['basic'], settings.auth.bearerToken === undefined ? [] : ['bearer']].flat();
  const isEveryInterface = server.address === '0.0.0.0' || server.address === '::';
  const notes = [
    ...(isEveryInterface ? ['every interface'] : []),
    `also ${aliases.join(', ')}`,
    settings.podName === null ? 'no pod label' : `pod ${settings.podName}`,
    auth.length > 0 ? `auth: ${auth.join(' or ')}` : 'NO AUTH: anyone who can reach this port can read the metrics',
    ...(workers === undefined ? [] : [`workers: ${workers.pids.length} (pids ${workers.pids.join(', ')})`]),
    simulatorNote(settings, simulator),
  ];
  const scheme = settings.tls === undefined ? 'http' : 'https';
  const host = server.address.includes(':') ? `[${server.address}]` : server.address;
  return `am-metrics listening on ${scheme}://${host}:${server.port}${main} (${notes.join('; ')})`;
}

function simulatorNote(settings: ServeSettings, simulator: Simulator | undefined): string {
  if (simulator !== undefined) return `simulator: ${simulator.rate} logins/s, seed ${simulator.seed}`;
  if (settings.simulator === undefined) return 'no simulator';
  const { rate, seed } = settings.simulator;
  return `simulator: ${rate} logins/s shared by the workers, seeds from ${seed}`;
}

/**
 * SIGTERM or SIGINT: stop the simulator, close the server, stop the workers and then the stream
 * delivery (its final flush after the workers' final reports), exit 0. A second signal exits at once.
 */
function stopOnSignals(server: RunningServer, simulator: Simulator | undefined, workers: WorkerPool | undefined, streams: MetricStreams | undefined): void {
  let isStopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (isStopping) process.exit(EXIT_FAILURE);
    isStopping = true;
    simulator?.stop();
    // The workers first: each sends its final state as it stops, and the streams' final flush then
    // takes one last collection holding everything they recorded (bounded by WORKER_STOP_MS, then
    // the flush's own DEFAULT_SHUTDOWN_FLUSH_MS).
    const workersThenStreams = async (): Promise<void> => {
      await workers?.stop();
      await streams?.flushAndStop();
    };
    Promise.all([server.close(), workersThenStreams()]).then(
      () => {
        process.stdout.write(`am-metrics stopped (${signal})\n`);
        process.exit(0);
      },
      (error: unknown) => fail(`closing the server failed: ${describeError(error)}`, EXIT_FAILURE),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** The variables the auth options came from, to name them in start errors. */
const AUTH_VARIABLES: Readonly<Record<string, string>> = {
  'basic.username': 'METRICS_USERNAME',
  'basic.password': 'METRICS_PASSWORD (or METRICS_PASSWORD_FILE)',
  bearerToken: 'METRICS_BEARER_TOKEN',
};

/**
 * SIGHUP re-reads the TLS certificate and key and the password file, as a change of those files does
 * (see RunningServer.reload, which logs one line per setting); connections stay open, and a bad new
 * file keeps the current setting. With no such file it only says so: SIGHUP never ends the process.
 */
function reloadOnHangup(server: RunningServer): void {
  process.on('SIGHUP', () => {
    // reload() never rejects; the catch is for stderr failing (EPIPE), which must not end the exporter.
    server
      .reload('SIGHUP')
      .then((outcomes) => {
        if (outcomes.length === 0)
          process.stderr.write(`am-metrics: SIGHUP: nothing to reload (no TLS files, no ${AUTH_ENVIRONMENT.passwordFile}, no ${ADMIN_TOKEN_ENVIRONMENT.tokenFile})\n`);
      })
      .catch(() => {});
  });
}

/** A failure to start, already phrased for the operator. */
class StartError extends Error {}

function describeStartError(error: unknown, settings: ServeSettings): string {
  const where = `${settings.host}:${settings.port}`;
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is already in use`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${settings.host} is not an address of this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: cannot resolve host ${JSON.stringify(settings.host)}`;
    default:
      if (!(error instanceof ServerConfigError)) return `cannot start: ${describeError(error)}`;
      return error.message
        .replace(/^tls\.(cert|key)\b/, (_, which: string) => `--tls-${which}`)
        .replace(/^auth\.(basic\.username|basic\.password|bearerToken)\b/, (_, option: string) => AUTH_VARIABLES[option] ?? option);
  }
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}

function fail(message: string, status: number): never {
  process.stderr.write(`am-metrics: ${message}\n`);
  process.exit(status);
}

// A closed stdout or stderr (the reader of a pipe gone: EPIPE) must not end the exporter: there is
// nowhere left to say anything, and serving goes on. Without a listener the stream's error would be
// thrown as an uncaught exception, from whichever log line next found the pipe closed.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) fail(error.message, EXIT_USAGE);
  if (error instanceof StartError || error instanceof ServerConfigError) fail(error.message, EXIT_FAILURE);
  fail(describeError(error), EXIT_FAILURE);
});
