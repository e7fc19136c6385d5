// Checks the `Authorization` header of a scrape (or AIC's `x-api-key`/`x-api-secret` pair) against HTTP
// Basic credentials or a bearer token.
// Throttling repeated failures and choosing the response are left to auth-throttle.ts and the handlers.
import { createHash, timingSafeEqual } from 'node:crypto';
import { checkSecret, describeSetting } from '../registry/secret.js';
import { ServerConfigError } from './errors.js';

export { checkSecret, MIN_SECRET_LENGTH } from '../registry/secret.js';

/** A username and password, as AIC's Prometheus scrape configuration sends them. */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Who may read the metrics. With neither `basic` nor `bearerToken` every request is let in (AM's
 * default); with both, either credential is accepted.
 */
export interface AuthOptions {
  /**
   * Accept `Authorization: Basic …` with exactly these credentials, and the same pair sent as AIC's
   * API key headers (`x-api-key: <username>`, `x-api-secret: <password>`).
   */
  readonly basic?: BasicCredentials | undefined;
  /** Accept `Authorization: Bearer <token>` with exactly this token. */
  readonly bearerToken?: string | undefined;
  /** Realm named in the challenges; default DEFAULT_REALM. */
  readonly realm?: string | undefined;
}

/**
 * Credentials that can change while the server runs (a password file a secret manager rotates):
 * the standalone server calls `read()` at start and again when `files` change or on reload.
 */
export interface AuthSource {
  /** @throws ServerConfigError for unusable credentials (the server then keeps the current ones). */
  read(): AuthOptions;
  readonly files: readonly string[];
}

/** Realm of the `WWW-Authenticate` challenges when the options name none. */
export const DEFAULT_REALM = 'am-metrics';

/** AIC's API key credentials, as the `x-api-key` and `x-api-secret` request headers carry them. */
export interface ApiKeyHeaders {
  readonly key?: string | undefined;
  readonly secret?: string | undefined;
}

/** `open`: no auth configured; `granted`: good credentials; `missing`: none sent; `denied`: wrong ones. */
export type AuthOutcome = 'open' | 'granted' | 'missing' | 'denied';

const BASIC = /^basic[ \t]+([A-Za-z0-9+/=._~-]+)[ \t]*$/i;
const BEARER = /^bearer[ \t]+([A-Za-z0-9+/=._~-]+)[ \t]*$/i;

const AUTH_KEYS: readonly string[] = ['basic', 'bearerToken', 'realm'] satisfies (keyof AuthOptions)[];
const BASIC_KEYS: readonly string[] = ['username', 'password'] satisfies (keyof BasicCredentials)[];

/**
 * Refuses an auth setting that is not an object, or that has a key it does not know. Why: auth fails
 * open. `auth: { username, password }` (no `basic`) or a misspelt `bearertoken`, easy to write from
 * plain JavaScript, would otherwise configure no credential and serve every request.
 * @throws ServerConfigError naming `setting` and the unknown keys.
 */
function checkKeys(setting: string, value: unknown, known: readonly string[]): void {
  // The type only: a string here may well be a password.
  if (typeof value !== 'object' || value === null) throw new ServerConfigError(setting, `must be an object, got ${value === null ? 'null' : typeof value}`);
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    const names = unknown.map((key) => JSON.stringify(key)).join(', ');
    throw new ServerConfigError(setting, `has no option ${names} (it takes ${known.join(', ')})`);
  }
}

/** SHA-256 of a secret: a fixed-length value that timingSafeEqual can compare whatever the input's length. */
function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * Compares presented credentials with the configured ones in time that does not depend on where they
 * differ: both sides are hashed to fixed-length digests first, and Basic checks the username and the
 * password together without short-circuiting. Holds only the digests, never the secrets.
 */
export class Authenticator {
  private readonly basic: { readonly username: Buffer; readonly password: Buffer } | undefined;
  private readonly bearer: Buffer | undefined;
  private readonly realm: string;

  /**
   * @throws ServerConfigError for options (or `basic`) that are not an object or have a key they do not
   *   know, a missing or empty username, a username holding `:`, or a password or token that is
   *   missing, not a string or shorter than MIN_SECRET_LENGTH characters.
   */
  constructor(options: AuthOptions = {}) {
    checkKeys('auth', options, AUTH_KEYS);
    const { basic, bearerToken } = options;
    if (basic !== undefined) {
      checkKeys('auth.basic', basic, BASIC_KEYS);
      if (typeof basic.username !== 'string' || basic.username === '')
        throw new ServerConfigError('auth.basic.username', `must be a non-empty string, got ${describeSetting(basic.username)}`);
      if (basic.username.includes(':')) throw new ServerConfigError('auth.basic.username', 'must not contain ":" (RFC 7617)');
      checkSecret('auth.basic.password', basic.password);
      this.basic = { username: digest(basic.username), password: digest(basic.password) };
    }
    if (bearerToken !== undefined) {
      checkSecret('auth.bearerToken', bearerToken);
      if (!/^[A-Za-z0-9+/=._~-]+$/.test(bearerToken)) {
        throw new ServerConfigError('auth.bearerToken', 'must be non-empty and use only the token68 characters of RFC 9110');
      }
      this.bearer = digest(bearerToken);
    }
    this.realm = (options.realm ?? DEFAULT_REALM).replace(/["\\\r\n]/g, '');
  }

  /** Whether any credential is required. */
  get isEnabled(): boolean {
    return this.basic !== undefined || this.bearer !== undefined;
  }

  /** The `WWW-Authenticate` values a 401 carries, one per accepted scheme. */
  get challenges(): string[] {
    const challenges: string[] = [];
    if (this.basic !== undefined) challenges.push(`Basic realm="${this.realm}", charset="UTF-8"`);
    if (this.bearer !== undefined) challenges.push(`Bearer realm="${this.realm}"`);
    return challenges;
  }

  /**
   * Judges one request's `Authorization` header or, when it has none, its API key headers: the pair
   * must match the Basic credentials (username and password); one header without the other, or API
   * key headers when only a bearer token is configured, are denied.
   */
  check(authorization: string | undefined, apiKey: ApiKeyHeaders = {}): AuthOutcome {
    if (!this.isEnabled) return 'open';
    if (authorization === undefined || authorization.trim() === '') return this.checkApiKey(apiKey);
    const basic = BASIC.exec(authorization);
    if (basic !== null && this.basic !== undefined) return this.checkBasic(basic[1] as string) ? 'granted' : 'denied';
    const bearer = BEARER.exec(authorization);
    if (bearer !== null && this.bearer !== undefined) return timingSafeEqual(digest(bearer[1] as string), this.bearer) ? 'granted' : 'denied';
    return 'denied';
  }

  private checkApiKey({ key, secret }: ApiKeyHeaders): AuthOutcome {
    if (key === undefined && secret === undefined) return 'missing';
    if (key === undefined || secret === undefined || this.basic === undefined) return 'denied';
    return this.isBasicPair(key, secret) ? 'granted' : 'denied';
  }

  private checkBasic(encoded: string): boolean {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    return this.isBasicPair(username, password) && colon >= 0;
  }

  /** Both compared, without short-circuiting, so the time taken does not tell which one was wrong. */
  private isBasicPair(username: string, password: string): boolean {
    const expected = this.basic as { readonly username: Buffer; readonly password: Buffer };
    const isUser = timingSafeEqual(digest(username), expected.username);
    const isPassword = timingSafeEqual(digest(password), expected.password);
    return isUser && isPassword;
  }
}
