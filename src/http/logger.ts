// How the HTTP layer reports problems to the operator: one line per event, never to the client.
import { ServerConfigError } from './errors.js';

/** Receives one line per problem (a failed gauge callback, a failed render); default `console.error`. */
export type Logger = (line: string) => void;

/** The logger used when none is given. */
export const defaultLogger: Logger = (line) => console.error(line);

/**
 * The `logger` option, or defaultLogger when it is undefined.
 * @throws ServerConfigError when it is not a function (`logger: console`), which would otherwise fail
 *   only when there is something to report, and take the answer or the process with it.
 */
export function loggerOption(logger: unknown): Logger {
  if (logger === undefined) return defaultLogger;
  if (typeof logger !== 'function')
    throw new ServerConfigError(
      'logger',
      `must be a function taking one line, got ${typeof logger === 'object' && logger !== null ? 'an object' : JSON.stringify(logger)}`,
    );
  return logger as Logger;
}

/** `Name: message` of an error on one line, without its stack; secrets are the caller's to keep out. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}
