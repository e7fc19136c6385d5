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
import { AIC_PATHS, JSON_PATH, LEGACY_PATHS, MONITORING_PAGE_PATH } from './http/paths.js';
import { describeError } from './http/logger.js';
import { ServerConfigError } from './http/errors.js';
import { createSimulator, type Simulator } from './simulator/simulator.js';
import { parseCommandLine, UsageError, type ServeSettings } from './cli/options.js';
import { USAGE } from './cli/usage.js';
import { createMetricStreams, type MetricStreams } from './streams/service.js';
import { StreamStoreError } from './streams/errors.js';
import { METRIC_STREAMS_PATH } from './streams/management-api.js';

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
      await serve(command.settings);
  }
}

async function serve(settings: ServeSettings): Promise<void> {
  const am = createAmMetrics({ podName: settings.podName });
  const simulator = settings.simulator === undefined ? undefined : createSimulator(am, settings.simulator);
  const streams = startStreams(am.registry, settings);
  const server = await startServer({
    source: am,
    port: settings.port,
    host: settings.host,
    auth: settings.auth,
    page: amLivePage,
    ...(settings.tls === undefined ? {} : { tls: settings.tls }),
    ...(streams === undefined ? {} : { streams: streams.api }),
  }).catch((error: unknown) => {
    streams?.stop();
    throw new StartError(describeStartError(error, settings));
  });
  simulator?.start();
  streams?.start();
  stopOnSignals(server, simulator, streams);
  process.stdout.write(`${startLine(server, settings, simulator)}\n`);
  if (settings.streams?.isGeneratedToken === true) {
    process.stdout.write(`metric streams: ${server.url}${METRIC_STREAMS_PATH}, admin token for this run: ${settings.streams.adminToken}\n`);
  }
}

/** Opens the stream store and its delivery when the settings ask for them. @throws StartError */
function startStreams(registry: Parameters<typeof createMetricStreams>[0]['registry'], settings: ServeSettings): MetricStreams | undefined {
  if (settings.streams === undefined) return undefined;
  try {
    // TODO(issue 9): the push encoders (src/exposition/otlp, datadog, remote-write) plug in here.
    return createMetricStreams({
      registry, storeFile: settings.streams.dbFile, adminToken: settings.streams.adminToken, encoders: {},
      allowInsecureHttp: settings.streams.allowInsecureHttp, logger: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    if (error instanceof StreamStoreError) throw new StartError(`cannot start: ${error.message}`);
    throw error;
  }
}

/** The one line printed once the server listens: where, which paths, and what feeds it. */
function startLine(server: RunningServer, settings: ServeSettings, simulator: Simulator | undefined): string {
  const [main, ...aliases] = [...AIC_PATHS, ...LEGACY_PATHS, JSON_PATH, MONITORING_PAGE_PATH];
  const auth = [settings.auth.basic === undefined ? [] : ['basic'], settings.auth.bearerToken === undefined ? [] : ['bearer']].flat();
  const notes = [
    `also ${aliases.join(', ')}`,
    `pod ${settings.podName}`,
    ...(auth.length > 0 ? [`auth: ${auth.join(' or ')}`] : []),
    simulator === undefined ? 'no simulator' : `simulator: ${simulator.rate} logins/s, seed ${simulator.seed}`,
  ];
  return `am-metrics listening on ${server.url}${main} (${notes.join('; ')})`;
}

/** SIGTERM or SIGINT: stop the simulator, close the server, exit 0. A second signal exits at once. */
function stopOnSignals(server: RunningServer, simulator: Simulator | undefined, streams: MetricStreams | undefined): void {
  let isStopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (isStopping) process.exit(EXIT_FAILURE);
    isStopping = true;
    simulator?.stop();
    server.close().then(
      () => {
        streams?.stop();
        process.stdout.write(`am-metrics stopped (${signal})\n`);
        process.exit(0);
      },
      (error: unknown) => fail(`closing the server failed: ${describeError(error)}`, EXIT_FAILURE),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
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
      return error.message.replace(/^tls\.(cert|key)\b/, (_, which: string) => `--tls-${which}`);
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

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) fail(error.message, EXIT_USAGE);
  if (error instanceof StartError || error instanceof ServerConfigError) fail(error.message, EXIT_FAILURE);
  fail(describeError(error), EXIT_FAILURE);
});
