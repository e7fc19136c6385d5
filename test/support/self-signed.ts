// A throwaway self-signed certificate for 127.0.0.1, made with the openssl command (TLS tests only).
import { execFileSync, spawnSync } from 'node:child_process';

/** Whether the openssl command is there; TLS tests skip without it. */
export const hasOpenssl = spawnSync('which', ['openssl']).status === 0;

/** Writes a one-day P-256 (or RSA 2048) certificate for 127.0.0.1 to `certFile` and its key to `keyFile` (PEM). */
export function writeSelfSigned(certFile: string, keyFile: string, algorithm: 'ec' | 'rsa' = 'ec'): void {
  const key = algorithm === 'ec' ? ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['rsa:2048'];
  const args = ['req', '-x509', '-newkey', ...key, '-nodes', '-days', '1'];
  args.push('-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile);
  execFileSync('openssl', args, { stdio: 'ignore' });
}
