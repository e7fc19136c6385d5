// Every error class the library throws: one base class, each keeping the offending pieces as fields.

/** Base class of every error am-metrics throws on bad input; `metric` names the metric concerned. */
export class MetricsError extends Error {
  constructor(
    message: string,
    readonly metric: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A metric or label name that Prometheus would not accept, or that is reserved. */
export class InvalidNameError extends MetricsError {
  constructor(
    metric: string,
    readonly invalidName: string,
    reason: string,
  ) {
    super(`${metric}: name "${invalidName}" ${reason}`, metric);
  }
}

/** A label set that is missing a label, has an unknown one, or carries a value that is not allowed. */
export class InvalidLabelError extends MetricsError {
  constructor(
    metric: string,
    readonly label: string,
    readonly value: unknown,
    reason: string,
    readonly allowed?: readonly string[],
  ) {
    super(`${metric}: label "${label}" ${reason}` + (allowed === undefined ? '' : ` (allowed: ${allowed.join(', ')})`), metric);
  }
}

/** A recorded amount or duration that is negative, NaN or infinite, or a value of the wrong type. */
export class InvalidValueError extends MetricsError {
  constructor(
    metric: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`${metric}: value ${describe(value)} ${reason}`, metric);
  }
}

/** The same metric name registered again with another type, help text or label set. */
export class MetricConflictError extends MetricsError {
  constructor(
    metric: string,
    readonly existing: string,
    readonly requested: string,
  ) {
    super(`${metric}: already registered as ${existing}, cannot register as ${requested}`, metric);
  }
}

/** Quotes strings and prints everything else as JavaScript would, for error messages. */
export function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A registry or metric option that cannot be used: `maxSeriesPerMetric: NaN`, `collectTimeoutMs: -1`. */
export class InvalidOptionError extends MetricsError {
  constructor(
    metric: string,
    readonly option: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`${metric}: option ${option} ${reason}, got ${describe(value)}`, metric);
  }
}

/**
 * A setting that cannot be used: a missing password, an unreadable file, a bad limit, a distinct-hash
 * key that is too short. It concerns a setting, not a metric, so it stands apart from MetricsError.
 */
export class ServerConfigError extends Error {
  constructor(
    /** The option or environment variable concerned, e.g. `METRICS_PASSWORD_FILE` or `tls.cert`. */
    readonly setting: string,
    reason: string,
  ) {
    super(`${setting}: ${reason}`);
    this.name = new.target.name;
  }
}
