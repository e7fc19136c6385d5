// Reads a secret from a file mounted into the container (a Kubernetes secret volume, a Docker secret),
// for the scrape password and the metric streams' admin token alike. What the secret must look like
// (length, characters) is each caller's check.
import { readFileSync } from 'node:fs';
import { ServerConfigError } from './errors.js';

/**
 * The secret `file` holds, less one trailing line break (`\n` or `\r\n`, as `echo` and most secret
 * mounts add one). Read at each call, so a rotated file counts at the next read.
 * @throws ServerConfigError naming `setting` (the variable that named the file) and the path, never the
 *   content, when the file cannot be read or holds nothing but whitespace.
 */
export function readSecretFile(setting: string, file: string): string {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ServerConfigError(setting, `cannot read ${JSON.stringify(file)} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  const secret = content.replace(/\r?\n$/, '');
  if (secret.trim() === '') throw new ServerConfigError(setting, `${JSON.stringify(file)} is empty or blank`);
  return secret;
}
