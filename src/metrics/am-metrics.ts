// createAmMetrics: the AM catalogue on a registry, with one typed recorder per family.
import { hostname } from 'node:os';
import { Registry } from '../exposition/prometheus/registry.js';
import { InvalidNameError } from '../registry/errors.js';
import { environmentValue, type Environment } from '../registry/environment.js';
import { InstalledCatalog } from './install.js';
import { authenticationMetrics, type AuthenticationMetrics } from './authentication.js';
import { authorizationMetrics, type AuthorizationMetrics } from './authorization.js';
import { denylistMetrics, type DenylistMetrics } from './denylist.js';
import { ctsMetrics, type CtsMetrics } from './cts.js';
import { oauth2Metrics, type OAuth2Metrics } from './oauth2.js';
import { sessionMetrics, type SessionMetrics } from './session.js';
import { scriptCacheMetrics, type ScriptCacheMetrics } from './script-cache.js';

/** The label AIC puts on every series to tell a tenant's pods apart. */
export const POD_LABEL = 'kubernetes_pod_name';

export interface AmMetricsOptions {
  /** The registry to install on; a new one is created when absent. */
  readonly registry?: Registry | undefined;
  /**
   * Value of `kubernetes_pod_name`; default KUBERNETES_POD_NAME, then HOSTNAME (each skipped when
   * empty or blank), then the host name.
   * `null` leaves the label out, as self-hosted AM does (AIC adds it).
   */
  readonly podName?: string | null | undefined;
  /** Clock for a registry created here (epoch ms); not allowed together with `registry`. */
  readonly now?: (() => number) | undefined;
}

/** AM's metrics, one typed recorder per family, on `registry`. */
export interface AmMetrics {
  readonly registry: Registry;
  readonly authentication: AuthenticationMetrics;
  readonly authorization: AuthorizationMetrics;
  readonly denylist: DenylistMetrics;
  readonly cts: CtsMetrics;
  readonly oauth2: OAuth2Metrics;
  readonly session: SessionMetrics;
  /** AIC's script cache statistics (family `script`). */
  readonly scriptCache: ScriptCacheMetrics;
}

const installed = new WeakMap<Registry, AmMetrics>();

/**
 * The pod name the environment gives: KUBERNETES_POD_NAME, else HOSTNAME, each skipped when empty or
 * blank (a Kubernetes `env:` entry declared without a value); undefined when neither holds one. The
 * CLI's `--pod-name` default reads it too.
 */
export function podNameFromEnvironment(env: Environment = process.env): string | undefined {
  return environmentValue(env, 'KUBERNETES_POD_NAME') ?? environmentValue(env, 'HOSTNAME');
}

/**
 * Registers the whole AM catalogue and returns its recorders. Every series carries
 * `kubernetes_pod_name`: from the registry's default labels when it has one, else `podName`; none
 * when `podName` is null.
 * Installing twice on one registry returns the same recorders.
 * @throws InvalidNameError when both `registry` and `now` are given (the registry owns its clock),
 *   MetricConflictError when the registry already holds a metric AM's names collide with.
 */
export function createAmMetrics(options: AmMetricsOptions = {}): AmMetrics {
  if (options.registry !== undefined && options.now !== undefined) {
    throw new InvalidNameError('createAmMetrics', 'now', 'cannot be combined with registry: pass `now` to the Registry instead');
  }
  const podName = options.podName === null ? undefined : (options.podName ?? podNameFromEnvironment() ?? hostname());
  const podLabel: Record<string, string> = podName === undefined ? {} : { [POD_LABEL]: podName };
  const registry = options.registry ?? new Registry({ now: options.now, defaultLabels: podLabel });
  const existing = installed.get(registry);
  if (existing !== undefined) return existing;
  const catalog = new InstalledCatalog(registry, POD_LABEL in registry.labels ? {} : podLabel);
  const am: AmMetrics = {
    registry,
    authentication: authenticationMetrics(catalog),
    authorization: authorizationMetrics(catalog),
    denylist: denylistMetrics(catalog),
    cts: ctsMetrics(catalog),
    oauth2: oauth2Metrics(catalog),
    session: sessionMetrics(catalog),
    scriptCache: scriptCacheMetrics(catalog),
  };
  installed.set(registry, am);
  return am;
}
