// How the HTTP layer reports problems to the operator: one line per event, never to the client.

/** Receives one line per problem (a failed gauge callback, a failed render); default `console.error`. */
export type Logger = (line: string) => void;

/** The logger used when none is given. */
export const defaultLogger: Logger = (line) => console.error(line);

/** `Name: message` of an error on one line, without its stack; secrets are the caller's to keep out. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}
