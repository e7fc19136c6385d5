// Turns the command line and the environment into what `am-metrics` should do, checking every value
// before anything starts. Starting the server and the simulator is cli.ts's job.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from '../server.js';
import { authFromEnvironment } from '../http/auth-environment.js';
import type { AuthOptions } from '../http/auth.js';
import type { TlsOptions } from '../http/tls.js';
import { podNameFromEnvironment } from '../metrics/am-metrics.js';
import { distinctKeyFromEnvironment } from '../registry/cells/string-hash.js';
import { environmentValue, type Environment } from '../registry/environment.js';
import { DEFAULT_RATE, MAX_RATE } from '../simulator/simulator.js';
import { adminTokenFromEnvironment } from '../streams/admin-token.js';
import { DEFAULT_STREAMS_DB } from '../streams/store.js';

/** The address the server listens on when neither `--host` nor HOST says otherwise. */
export const DEFAULT_HOST = '0.0.0.0';
const MAX_PORT = 65_535;
const MAX_SEED = 2 ** 32 - 1;
/** The most cluster workers `--workers` starts: far beyond the cores of any host AM runs on. */
export const MAX_WORKERS = 64;

/** A command line that cannot be run: an unknown flag, a missing or bad value. Exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Everything `am-metrics serve` needs, checked. */
export interface ServeSettings {
  readonly port: number;
  readonly host: string;
  /** Value of `kubernetes_pod_name`; null (`--pod-name ''`) leaves the label out, as self-hosted AM does. */
  readonly podName: string | null;
  /** Present with `--simulate`. */
  readonly simulator?: { readonly rate: number; readonly seed: number };
  /** Present with `--workers`: cluster workers to fork, each recording its share of the simulator's traffic. */
  readonly workers?: number;
  readonly tls?: TlsOptions;
  readonly auth: AuthOptions;
  /** With `--timer-buckets`: every timer also serves a histogram family (RegistryOptions.timerBuckets). */
  readonly timerBuckets?: true;
  /** `false` with `--no-runtime-metrics`; Node.js runtime metrics are served otherwise. */
  readonly runtimeMetrics?: false;
  /** Present when an admin token is configured, or generated with `--simulate`. */
  readonly streams?: StreamsSettings;
}

/** The metric streams API and delivery. */
export interface StreamsSettings {
  readonly dbFile: string;
  readonly adminToken: string;
  /** True when `--simulate` made the token up: the CLI prints it. */
  readonly isGeneratedToken: boolean;
  /**
   * True when the operator asked for streams (an admin token, `--streams-db`, `--streams-allow-http`):
   * without SQLite the exporter then refuses to start. False when only `--simulate` turned them on:
   * it then serves without them, saying why.
   */
  readonly isRequested: boolean;
  readonly allowInsecureHttp: boolean;
}

export type CliCommand = { readonly kind: 'help' } | { readonly kind: 'version' } | { readonly kind: 'serve'; readonly settings: ServeSettings };

/** Where defaults come from that the command line and environment leave open. */
export interface CliDefaults {
  readonly hostname: () => string;
  /** A seed for a simulation started without `--seed`. */
  readonly randomSeed: () => number;
  /** A random admin token for `--simulate` without METRICS_ADMIN_TOKEN. */
  readonly randomToken?: () => string;
}

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'pod-name': { type: 'string' },
  simulate: { type: 'boolean' },
  rate: { type: 'string' },
  seed: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  workers: { type: 'string' },
  'timer-buckets': { type: 'boolean' },
  'no-runtime-metrics': { type: 'boolean' },
  'streams-db': { type: 'string' },
  'streams-allow-http': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/**
 * What the command line asks for. Flags win over their environment variables; an empty or blank
 * variable counts as unset. Scrape credentials come from the environment only (see authFromEnvironment).
 * @throws UsageError for an unknown command or flag, a missing value or a value out of range;
 *   ServerConfigError for unusable credentials such as an unreadable password file, or an
 *   AM_METRICS_DISTINCT_KEY under 16 characters.
 */
export function parseCommandLine(args: readonly string[], env: Environment, defaults: CliDefaults): CliCommand {
  const [command, ...rest] = args;
  if (command === undefined) throw new UsageError('missing command (see am-metrics --help)');
  if (command === 'help' || command === '--help' || command === '-h') return { kind: 'help' };
  if (command === '--version' || command === '-v') return { kind: 'version' };
  if (command !== 'serve') throw new UsageError(`unknown command ${JSON.stringify(command)} (see am-metrics --help)`);
  const { values } = parseFlags(rest);
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  if (values.simulate !== true && (values.rate !== undefined || values.seed !== undefined)) {
    throw new UsageError('--rate and --seed only apply with --simulate');
  }
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  // The library refuses a short key only when the first distinct counter registers; refuse it before
  // anything starts, with the library's own check.
  distinctKeyFromEnvironment(env);
  const portText = values.port ?? environmentValue(env, 'PORT');
  const settings: ServeSettings = {
    port: portText === undefined ? DEFAULT_PORT : integerIn(portText, 0, MAX_PORT, values.port !== undefined ? '--port' : 'PORT'),
    host: nonEmpty(values.host, '--host') ?? environmentValue(env, 'HOST') ?? DEFAULT_HOST,
    podName: values['pod-name'] === '' ? null : (nonEmpty(values['pod-name'], '--pod-name') ?? podNameFromEnvironment(env) ?? defaults.hostname()),
    auth: authFromEnvironment(env),
    ...(values.simulate === true
      ? { simulator: { rate: rateOf(values.rate), seed: values.seed === undefined ? defaults.randomSeed() : integerIn(values.seed, 0, MAX_SEED, '--seed') } }
      : {}),
    ...(values['tls-cert'] !== undefined && values['tls-key'] !== undefined ? { tls: { cert: values['tls-cert'], key: values['tls-key'] } } : {}),
    ...(values.workers === undefined ? {} : { workers: integerIn(values.workers, 1, MAX_WORKERS, '--workers') }),
    ...(values['timer-buckets'] === true ? { timerBuckets: true } : {}),
    ...(values['no-runtime-metrics'] === true ? { runtimeMetrics: false } : {}),
    ...streamsSettings(values, env, defaults),
  };
  return { kind: 'serve', settings };
}

/**
 * Metric streams run when METRICS_ADMIN_TOKEN(_FILE) is set, or with `--simulate` (which makes a
 * token up and keeps streams in memory unless `--streams-db` is given); otherwise their API answers
 * 404 and `--streams-db` is refused as having no effect.
 */
function streamsSettings(values: ReturnType<typeof parseFlags>['values'], env: Environment, defaults: CliDefaults): { streams?: StreamsSettings } {
  const configured = adminTokenFromEnvironment(env);
  const token = configured ?? (values.simulate === true ? (defaults.randomToken ?? randomToken)() : undefined);
  if (token === undefined) {
    if (values['streams-db'] !== undefined || values['streams-allow-http'] === true) {
      throw new UsageError('--streams-db and --streams-allow-http need METRICS_ADMIN_TOKEN or METRICS_ADMIN_TOKEN_FILE (or --simulate)');
    }
    return {};
  }
  // A made-up token dies with the process, and so would access to its streams: keep them in memory.
  const dbFile = nonEmpty(values['streams-db'], '--streams-db') ?? (configured === undefined ? ':memory:' : DEFAULT_STREAMS_DB);
  const allowInsecureHttp = values['streams-allow-http'] === true;
  const isRequested = configured !== undefined || values['streams-db'] !== undefined || allowInsecureHttp;
  return { streams: { dbFile, adminToken: token, isGeneratedToken: configured === undefined, isRequested, allowInsecureHttp } };
}

function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The flags given, each at most once. A value that starts with a dash and reads as a number
 * (`--port -1`) is taken as the flag's value, so the range check can say what is wrong with it.
 */
function parseFlags(args: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(args), options: FLAGS, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once; give it once`);
    seen.add(token.name);
  }
  return parsed;
}

/** `--flag -1` as `--flag=-1` for flags that take a value, so node:util does not read `-1` as a flag. */
function joinNegativeValues(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const next = args[i + 1];
    const flag = /^--([a-z-]+)$/.exec(arg)?.[1];
    const takesValue = flag !== undefined && Object.hasOwn(FLAGS, flag) && FLAGS[flag as keyof typeof FLAGS].type === 'string';
    if (takesValue && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      i += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** node:util's messages span lines and mention internals; these say the same in one line. */
function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  const flag = /'(-{1,2}[^'\s<=]+)/.exec(text)?.[1] ?? /'([^']*)'/.exec(text)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag} (see am-metrics --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return text.includes('does not take an argument') ? `${flag} takes no value` : `${flag} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(flag)} (see am-metrics --help)`;
    default:
      return text.split('\n', 1)[0] ?? 'cannot read the command line';
  }
}

function integerIn(text: string, min: number, max: number, source: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(Number.isSafeInteger(value) && value >= min && value <= max)) {
    throw new UsageError(`${source} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function rateOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_RATE;
  const value = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : Number.NaN;
  if (!(value > 0 && value <= MAX_RATE)) {
    throw new UsageError(`--rate must be a number of logins per second above 0 and at most ${MAX_RATE}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function nonEmpty(value: string | undefined, flag: string): string | undefined {
  if (value !== undefined && value.trim() === '') throw new UsageError(`${flag} needs a value`);
  return value;
}
