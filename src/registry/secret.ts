// The minimum strength of every secret the package takes (scrape passwords and tokens, the admin
// token, the distinct-hash key) and its one check, shared by the registry, the HTTP layer and the CLI.
import { ServerConfigError } from './errors.js';

/**
 * Fewest characters a password or bearer token may have. At 16 characters from even a 36-letter
 * alphabet a guess succeeds with odds below 1 in 10^24, so throttling failures is a courtesy, not the
 * defence, and valid credentials are never refused because someone else guessed wrong.
 */
export const MIN_SECRET_LENGTH = 16;

/** @throws ServerConfigError naming `setting` unless `secret` is a string of at least MIN_SECRET_LENGTH characters; never says the secret. */
export function checkSecret(setting: string, secret: unknown): void {
  if (typeof secret !== 'string') throw new ServerConfigError(setting, `is missing (got ${describeSetting(secret)})`);
  const length = [...secret].length;
  if (length < MIN_SECRET_LENGTH) {
    throw new ServerConfigError(setting, `must have at least ${MIN_SECRET_LENGTH} characters, got ${length}`);
  }
}

/** A setting's value for an error message: its type, or the text of a string. */
export function describeSetting(value: unknown): string {
  return value === undefined || value === null ? String(value) : typeof value === 'string' ? JSON.stringify(value) : typeof value;
}
