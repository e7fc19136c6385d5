// Shared pieces of the adversarial suite: the CLI run from source (no build, so this suite never races
// the CLI tests writing dist/), raw loopback sockets for requests a well-behaved client would not send,
// and the bounds every hostile-load test stays within. Add a hostile case as a test named after what
// it protects; keep load loopback-only and under these bounds.
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { CliProcess } from '../cli/child.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Most requests or connections one hostile-load test opens at once. */
export const MAX_PARALLEL_CLIENTS = 64;
/** How long any single wait on a socket may take before the test fails. */
export const SOCKET_TIMEOUT_MS = 5_000;

/** Variables the CLI reads; removed from the child's environment so the host's cannot leak in. */
const CLI_VARIABLES = ['PORT', 'HOST', 'KUBERNETES_POD_NAME', 'METRICS_USERNAME', 'METRICS_PASSWORD', 'METRICS_PASSWORD_FILE', 'METRICS_BEARER_TOKEN'];

/** Runs `am-metrics ...args` from src/ (through tsx) with only `env` of the CLI's variables; killed after the test. */
export function runCliFromSource(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliProcess {
  const base = { ...process.env };
  for (const name of CLI_VARIABLES) delete base[name];
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}src/cli.ts`, ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new CliProcess(child);
}

/** A TCP connection to 127.0.0.1:`port`, destroyed after the test. */
export async function openSocket(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  onTestFinished(() => void socket.destroy());
  socket.on('error', () => {});
  await bounded(new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)), 'connect');
  return socket;
}

/** Everything the server sends on `socket` until it closes it, and how long that took (ms). */
export function readUntilClosed(socket: Socket): Promise<{ text: string; ms: number }> {
  const start = performance.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  return bounded(new Promise((resolve) => socket.once('close', () => resolve({ text, ms: performance.now() - start }))), 'the server to close the socket');
}

/** Resolves once `socket` has received text matching `pattern`; returns everything received so far. */
export function readUntil(socket: Socket, pattern: RegExp): Promise<string> {
  let text = '';
  return bounded(
    new Promise((resolve) => {
      const look = (chunk: Buffer): void => {
        text += chunk.toString('latin1');
        if (pattern.test(text)) {
          socket.off('data', look);
          resolve(text);
        }
      };
      socket.on('data', look);
    }),
    `a response matching ${pattern}`,
  );
}

/** `promise`, or a rejection naming `what` after SOCKET_TIMEOUT_MS. */
export function bounded<T>(promise: Promise<T>, what: string, timeoutMs = SOCKET_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
