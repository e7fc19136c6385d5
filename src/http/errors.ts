// Checks of the HTTP layer's settings. Their error, ServerConfigError, lives in src/registry/errors.ts
// because the registry refuses a setting too (the distinct-hash key).
import { ServerConfigError } from '../registry/errors.js';

export { ServerConfigError };

/**
 * `value` when it is a whole number of at least 1, else `fallback` when `value` is undefined.
 * @throws ServerConfigError naming `setting` otherwise.
 */
export function positiveInteger(setting: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < 1) throw new ServerConfigError(setting, `must be a whole number >= 1, got ${chosen}`);
  return chosen;
}
