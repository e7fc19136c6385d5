// Loads the certificate and key the standalone server offers over HTTPS. Serving is server.ts's job.
import { readFile } from 'node:fs/promises';
import { ServerConfigError } from './errors.js';

/** A PEM certificate chain and private key: Buffers or PEM text as they are, other strings as file paths. */
export interface TlsOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/**
 * The certificate and key as PEM bytes.
 * @throws ServerConfigError naming `tls.cert` or `tls.key` when a file cannot be read; the message
 *   names the path and the error code, never the file's content.
 */
export async function loadTls(options: TlsOptions): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([loadPem('tls.cert', options.cert), loadPem('tls.key', options.key)]);
  return { cert, key };
}

async function loadPem(setting: string, source: string | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  if (source.trimStart().startsWith('-----BEGIN')) return Buffer.from(source, 'utf8');
  try {
    return await readFile(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ServerConfigError(setting, `cannot read ${JSON.stringify(source)} (${code})`);
  }
}
