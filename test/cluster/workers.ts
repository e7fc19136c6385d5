// Forks test workers (worker-script.ts under tsx) from the test process, which is the cluster
// primary, waits until they are ready, and kills them at the end, every wait bounded.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { TEST_READY } from './observations.js';

const SCRIPT = fileURLToPath(new URL('./worker-script.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * Starting a worker loads tsx (and its esbuild service) and the sources it imports: a second on an
 * idle machine, half a minute when the whole suite shares two cores.
 */
export const WORKER_START_MS = 60_000;
const WORKER_STOP_MS = 5_000;

export type WorkerMode = 'fixed' | 'live' | 'api' | 'hang' | 'malformed' | 'unserializable' | 'redeployed' | 'busy';

/** Forks one worker per mode (worker i records observationsOf(i)) and resolves once all are ready. */
export async function forkWorkers(modes: readonly WorkerMode[], firstIndex = 0): Promise<Worker[]> {
  cluster.setupPrimary({ exec: SCRIPT, execArgv: ['--import', 'tsx'], cwd: ROOT });
  const workers = modes.map((mode, i) => cluster.fork({ AM_TEST_WORKER_MODE: mode, AM_TEST_WORKER_INDEX: String(firstIndex + i) }));
  try {
    await within(Promise.all(workers.map(ready)), WORKER_START_MS, 'the workers to start');
  } catch (error) {
    await stopWorkers(workers);
    throw error;
  }
  return workers;
}

/** Kills every worker still running (SIGKILL) and waits until each has exited. */
export async function stopWorkers(workers: readonly Worker[]): Promise<void> {
  await within(Promise.all(workers.map(killed)), WORKER_STOP_MS, 'the workers to exit');
}

/** Kills one worker (SIGKILL) and waits until the primary has seen it exit. */
export function killed(worker: Worker): Promise<void> {
  if (worker.process.exitCode !== null || worker.process.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.process.kill('SIGKILL');
  return exited;
}

function ready(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.on('message', (message: { type?: string }) => {
      if (message?.type === TEST_READY) resolve();
    });
    worker.once('exit', (code, signal) => reject(new Error(`worker ${worker.id} exited (${code ?? signal}) before it was ready`)));
  });
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
