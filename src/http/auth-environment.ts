// Reads scrape credentials from the environment, as containers receive them (a Kubernetes secret as a
// variable or a mounted file). Checking requests against them is auth.ts's job.
import type { AuthOptions, AuthSource } from './auth.js';
import { ServerConfigError } from './errors.js';
import { readSecretFile } from './secret-file.js';

/** The variables `authFromEnvironment` reads. */
export const AUTH_ENVIRONMENT = {
  username: 'METRICS_USERNAME',
  password: 'METRICS_PASSWORD',
  passwordFile: 'METRICS_PASSWORD_FILE',
  bearerToken: 'METRICS_BEARER_TOKEN',
} as const;

/**
 * Auth options from `METRICS_USERNAME` with `METRICS_PASSWORD` or `METRICS_PASSWORD_FILE` (HTTP Basic)
 * and `METRICS_BEARER_TOKEN`. No auth only when none of these variables is set at all: a variable
 * that is set but empty (a Kubernetes secret that resolved empty) fails closed.
 * A password file loses one trailing line break (see readSecretFile).
 * @throws ServerConfigError naming the variable when one is set but empty or blank, when a username
 *   has no password or a password no username, when both password variables are set, or when the
 *   password file is unreadable or blank. Messages name variables and paths, never a secret.
 *   Secret strength (MIN_SECRET_LENGTH) is the Authenticator's check.
 */
export function authFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): AuthOptions {
  const read = (name: string): string | undefined => {
    const value = env[name];
    if (value !== undefined && value.trim() === '') {
      throw new ServerConfigError(name, 'is set but empty; unset it to serve without auth, or give it a value');
    }
    return value;
  };
  const username = read(AUTH_ENVIRONMENT.username);
  const password = passwordFrom(read(AUTH_ENVIRONMENT.password), read(AUTH_ENVIRONMENT.passwordFile));
  const bearerToken = read(AUTH_ENVIRONMENT.bearerToken);
  if (username !== undefined && password === undefined) {
    throw new ServerConfigError(AUTH_ENVIRONMENT.username, `is set but neither ${AUTH_ENVIRONMENT.password} nor ${AUTH_ENVIRONMENT.passwordFile} is`);
  }
  if (username === undefined && password !== undefined) {
    throw new ServerConfigError(AUTH_ENVIRONMENT.username, `is not set, but a password is (${AUTH_ENVIRONMENT.password} or ${AUTH_ENVIRONMENT.passwordFile})`);
  }
  return {
    ...(username !== undefined && password !== undefined ? { basic: { username, password } } : {}),
    ...(bearerToken !== undefined ? { bearerToken } : {}),
  };
}

/**
 * The credentials of authFromEnvironment as a source the standalone server reads again when
 * `METRICS_PASSWORD_FILE` changes (or on reload); the other variables cannot change under a process.
 * @throws ServerConfigError from `read()`, as authFromEnvironment throws.
 */
export function authSourceFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): AuthSource {
  const file = env[AUTH_ENVIRONMENT.passwordFile];
  return { read: () => authFromEnvironment(env), files: file === undefined || file.trim() === '' ? [] : [file] };
}

function passwordFrom(password: string | undefined, file: string | undefined): string | undefined {
  if (file === undefined) return password;
  if (password !== undefined) {
    throw new ServerConfigError(AUTH_ENVIRONMENT.passwordFile, `and ${AUTH_ENVIRONMENT.password} are both set; set one`);
  }
  return readSecretFile(AUTH_ENVIRONMENT.passwordFile, file);
}
