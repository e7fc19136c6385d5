// Loads the certificate and key the standalone server offers over HTTPS. Serving is server.ts's job.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { ServerConfigError } from './errors.js';

/** A PEM certificate chain and private key: Buffers or PEM text as they are, other strings as file paths. */
export interface TlsOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/**
 * The certificate and key as PEM bytes.
 * @throws ServerConfigError naming `tls.cert` or `tls.key` when a file cannot be read, holds no PEM
 *   certificate or private key (or one that does not parse, or an encrypted key), or the key does not
 *   fit the certificate; the message names the path and the reason, never the file's content.
 */
export async function loadTls(options: TlsOptions): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([loadPem('tls.cert', options.cert), loadPem('tls.key', options.key)]);
  const where = (source: string | Buffer): string => (typeof source === 'string' && !isPemText(source) ? `${JSON.stringify(source)} ` : '');
  if (!/-----BEGIN CERTIFICATE-----/.test(cert.toString('latin1'))) {
    throw new ServerConfigError('tls.cert', `${where(options.cert)}holds no PEM certificate`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) {
    throw new ServerConfigError('tls.key', `${where(options.key)}holds no PEM private key`);
  }
  const leaf = parsed(() => new X509Certificate(cert), 'tls.cert', `${where(options.cert)}holds a PEM certificate that cannot be read`);
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key.toString('latin1'))) {
    throw new ServerConfigError('tls.key', `${where(options.key)}holds an encrypted private key; give it unencrypted`);
  }
  const privateKey = parsed(() => createPrivateKey(key), 'tls.key', `${where(options.key)}holds a PEM private key that cannot be read`);
  // Checked here because createSecureContext does not: OpenSSL files an RSA key and an EC certificate
  // (or the reverse) under different key types and finds no mismatch, yet no handshake can succeed.
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ServerConfigError('tls.key', `${where(options.key)}cannot be used with the certificate (key values mismatch)`);
  }
  // What is left to fail is the rest of the certificate file: the chain after its first certificate.
  parsed(() => createSecureContext({ cert, key }), 'tls.cert', `${where(options.cert)}holds a certificate chain that cannot be used`);
  return { cert, key };
}

/** `parse()`'s result. @throws ServerConfigError for `setting` saying `problem` and OpenSSL's reason. */
function parsed<T>(parse: () => T, setting: string, problem: string): T {
  try {
    return parse();
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    throw new ServerConfigError(setting, `${problem} (${reason})`);
  }
}

/** The files among the certificate and key (those given as paths rather than PEM bytes or text). */
export function tlsFiles(options: TlsOptions): string[] {
  return [options.cert, options.key].filter((source): source is string => typeof source === 'string' && !isPemText(source));
}

function isPemText(source: string): boolean {
  return source.trimStart().startsWith('-----BEGIN');
}

async function loadPem(setting: string, source: string | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  if (isPemText(source)) return Buffer.from(source, 'utf8');
  try {
    return await readFile(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ServerConfigError(setting, `cannot read ${JSON.stringify(source)} (${code})`);
  }
}
