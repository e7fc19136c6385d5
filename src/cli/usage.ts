// The text of `am-metrics --help`, built from the constants it describes so it cannot drift from them.
import { DEFAULT_PORT } from '../server.js';
import { AUTH_ENVIRONMENT } from '../http/auth-environment.js';
import { AIC_PATHS, HEALTH_PATH, JSON_PATH, LEGACY_PATHS, MONITORING_PAGE_PATH } from '../http/paths.js';
import { DISTINCT_KEY_ENV } from '../registry/cells/string-hash.js';
import { DEFAULT_RATE, MAX_RATE } from '../simulator/simulator.js';
import { DEFAULT_HOST, MAX_WORKERS } from './options.js';
import { ADMIN_TOKEN_ENVIRONMENT } from '../streams/admin-token.js';
import { METRIC_STREAMS_PATH } from '../streams/management-api.js';
import { DEFAULT_STREAMS_DB } from '../streams/store.js';

const { username, password, passwordFile, bearerToken } = AUTH_ENVIRONMENT;
const basic = `${username} with ${password} or ${passwordFile}`;

/** Usage of the `am-metrics` command, ending in a line break. */
export const USAGE = `Usage: am-metrics serve [options]
       am-metrics --help | --version

Serves AM's metrics for Prometheus: ${AIC_PATHS.join(' and ')} (AIC names),
${LEGACY_PATHS.join(' and ')} (AM 7.5 and earlier names), ${JSON_PATH} (JSON), ${HEALTH_PATH},
and a live page for people at ${MONITORING_PAGE_PATH}.

Options of serve (a flag wins over the environment variable in brackets):
  --port <n>          port to listen on, 0 for any free one [PORT] (default ${DEFAULT_PORT})
  --host <address>    address to listen on [HOST] (default ${DEFAULT_HOST}: every interface)
  --pod-name <name>   kubernetes_pod_name label of every series
                      [KUBERNETES_POD_NAME, then HOSTNAME] (default: the host name);
                      --pod-name '' leaves the label out, as self-hosted AM does
  --simulate          record traffic from a built-in simulated AM
  --rate <n>          simulated login journeys per second, above 0 and at most ${MAX_RATE} (default ${DEFAULT_RATE})
  --seed <n>          simulator seed, 0 to 4294967295; a seed replays the same traffic
                      (default: a random seed, printed at start)
  --workers <n>       fork n cluster workers, 1 to ${MAX_WORKERS}, that share the simulated traffic
                      (rate divided among them, worker i seeded with seed + i); this
                      process merges their metrics at every scrape
  --timer-buckets     every timer also serves <name>_duration_seconds, a histogram of
                      log-scale buckets Prometheus can sum across pods (off: AM's output only)
  --no-runtime-metrics  leave out the Node.js process and runtime metrics (CPU, memory,
                      heap, event-loop lag, GC), served by default
  --tls-cert <file>   serve HTTPS with this PEM certificate chain (with --tls-key)
  --tls-key <file>    the certificate's PEM private key
  --streams-db <file> SQLite file keeping metric streams (default ./${DEFAULT_STREAMS_DB}, created 0600)
  --streams-allow-http  accept http:// stream endpoints on any host (default: loopback only)
  -h, --help          print this help
  -v, --version       print the version

Scrape credentials, from the environment only (none set: anyone may scrape):
  ${basic}   HTTP Basic
  ${bearerToken.padEnd(basic.length)}   Authorization: Bearer <token>

Metric streams (${METRIC_STREAMS_PATH}: push to Datadog, OTLP, remote write) run when an admin
token is set, ${ADMIN_TOKEN_ENVIRONMENT.token} or ${ADMIN_TOKEN_ENVIRONMENT.tokenFile}; with --simulate and neither, a
random token is made and printed. Without a token the streams API answers 404. Streams are kept
with better-sqlite3, an optional dependency: where it is not installed, --simulate alone serves
with streams off (saying so on stderr), and a token or --streams-db stops the start.

${DISTINCT_KEY_ENV} (16+ characters) keys the distinct counters' hash; set it alike on every
pod whose states merge (default: a random key per process).

SIGTERM or SIGINT stops the server gracefully and exits with status 0; SIGHUP re-reads the TLS
files, the password file and the admin token file (as a change of those files does).
`;
