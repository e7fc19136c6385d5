// Reads the management API's admin token from the environment, as a variable or a mounted secret
// file; apart from the scrape credentials (src/http/auth-environment.ts).
import { ServerConfigError } from '../http/errors.js';
import { MIN_SECRET_LENGTH } from '../http/auth.js';
import { readSecretFile } from '../http/secret-file.js';
import { environmentValue, type Environment } from '../registry/environment.js';

export const ADMIN_TOKEN_ENVIRONMENT = { token: 'METRICS_ADMIN_TOKEN', tokenFile: 'METRICS_ADMIN_TOKEN_FILE' } as const;

/**
 * The admin token from `METRICS_ADMIN_TOKEN` or the file `METRICS_ADMIN_TOKEN_FILE` names (read as
 * readSecretFile reads it); undefined when neither is set (empty or blank counts as unset).
 * @throws ServerConfigError when both are set, the file is unreadable, empty or blank, the token holds
 *   anything but printable ASCII, or
 *   the token is shorter than MIN_SECRET_LENGTH (the scrape secrets' minimum).
 *   Messages name variables and paths, never the token.
 */
export function adminTokenFromEnvironment(env: Environment): string | undefined {
  const token = environmentValue(env, ADMIN_TOKEN_ENVIRONMENT.token);
  const file = environmentValue(env, ADMIN_TOKEN_ENVIRONMENT.tokenFile);
  if (token !== undefined && file !== undefined)
    throw new ServerConfigError(ADMIN_TOKEN_ENVIRONMENT.tokenFile, `and ${ADMIN_TOKEN_ENVIRONMENT.token} are both set; set one`);
  const value = file === undefined ? token : readSecretFile(ADMIN_TOKEN_ENVIRONMENT.tokenFile, file);
  if (value !== undefined && !/^[\x21-\x7e]+$/.test(value)) {
    throw new ServerConfigError(
      file === undefined ? ADMIN_TOKEN_ENVIRONMENT.token : ADMIN_TOKEN_ENVIRONMENT.tokenFile,
      'must be printable ASCII without spaces, as a Bearer token is',
    );
  }
  if (value !== undefined && value.length < MIN_SECRET_LENGTH) {
    throw new ServerConfigError(
      file === undefined ? ADMIN_TOKEN_ENVIRONMENT.token : ADMIN_TOKEN_ENVIRONMENT.tokenFile,
      `must have at least ${MIN_SECRET_LENGTH} characters`,
    );
  }
  return value;
}

/**
 * The admin token as a setting the standalone server reads again when `files` change or on reload
 * (startServer's `streamsAdminToken`), so that rotating `METRICS_ADMIN_TOKEN_FILE` retires the old token
 * as rotating the password file retires the old password.
 */
export interface AdminTokenSource {
  /** @throws ServerConfigError as adminTokenFromEnvironment does, or when no token is set any more. */
  read(): string;
  readonly files: readonly string[];
}

/** The admin token of `env`, followed through `METRICS_ADMIN_TOKEN_FILE` when that is how it is given. */
export function adminTokenSourceFromEnvironment(env: Environment): AdminTokenSource {
  const file = environmentValue(env, ADMIN_TOKEN_ENVIRONMENT.tokenFile);
  return {
    read: () => {
      const token = adminTokenFromEnvironment(env);
      if (token === undefined) throw new ServerConfigError(ADMIN_TOKEN_ENVIRONMENT.tokenFile, 'is no longer set');
      return token;
    },
    files: file === undefined ? [] : [file],
  };
}
