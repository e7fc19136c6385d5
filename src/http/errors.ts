// Errors the HTTP layer throws on bad configuration. They concern a setting, not a metric, so they
// stand apart from MetricsError and its family in src/registry/errors.ts.

/** A server or router setting that cannot be used: a missing password, an unreadable file, a bad limit. */
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

/**
 * `value` when it is a whole number of at least 1, else `fallback` when `value` is undefined.
 * @throws ServerConfigError naming `setting` otherwise.
 */
export function positiveInteger(setting: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < 1) throw new ServerConfigError(setting, `must be a whole number >= 1, got ${chosen}`);
  return chosen;
}
