// The package's one rule for reading an environment variable, shared by the library, the streams and
// the CLI. The scrape credentials (src/http/auth-environment.ts) differ on purpose: a credential
// variable that is set but empty fails closed.

/** Environment variables by name, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * `env[name]`, or undefined when it is unset, empty or blank: a Kubernetes `env:` entry declared
 * without a value, or a secret that resolved to whitespace, counts as not given.
 */
export function environmentValue(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}
