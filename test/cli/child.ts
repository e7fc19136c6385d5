// Runs the built `am-metrics` command as a child process, bounded by timeouts and killed after each
// test, and reads its output line by line.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${ROOT}dist/cli.js`;
/** How long any wait on a child may take before the test fails. */
export const CHILD_TIMEOUT_MS = 10_000;

/** Variables the CLI reads; removed from the children's environment so the host's cannot leak in. */
const CLI_VARIABLES = [
  'PORT',
  'HOST',
  'KUBERNETES_POD_NAME',
  'METRICS_USERNAME',
  'METRICS_PASSWORD',
  'METRICS_PASSWORD_FILE',
  'METRICS_BEARER_TOKEN',
  'METRICS_ADMIN_TOKEN',
  'METRICS_ADMIN_TOKEN_FILE',
];

/** Compiles src/ into dist/ (what `npm run build` does). */
export function build(): void {
  execFileSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running `am-metrics`: its output so far, and waits bounded by CHILD_TIMEOUT_MS. */
export class CliProcess {
  stdout = '';
  stderr = '';
  private readonly exited: Promise<Exit>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The first stdout line matching `pattern`. */
  async line(pattern: RegExp): Promise<string> {
    return bounded(
      new Promise((resolve, reject) => {
        const look = (): boolean => {
          const found = this.stdout.split('\n').find((l) => pattern.test(l));
          if (found !== undefined) resolve(found);
          return found !== undefined;
        };
        if (look()) return;
        this.child.stdout?.on('data', look);
        void this.exited.then(() => look() || reject(new Error(`exited without printing ${pattern}; stderr: ${this.stderr}`)));
      }),
      `a line matching ${pattern}`,
    );
  }

  /** How the process ended. */
  exit(): Promise<Exit> {
    return bounded(this.exited, 'the process to exit');
  }

  /** Lines written to stderr. */
  get errorLines(): string[] {
    return this.stderr.split('\n').filter((l) => l !== '');
  }
}

/** Which `am-metrics` runs, and where. */
export interface CliLocation {
  /** The command's file; default this checkout's dist/cli.js (CLI). */
  readonly cli?: string;
  /** The working directory; default the test's. */
  readonly cwd?: string;
}

/** Starts `am-metrics ...args` with only `env` set of the variables it reads; killed after the test. */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}, { cli = CLI, cwd }: CliLocation = {}): CliProcess {
  const base = { ...process.env };
  for (const name of CLI_VARIABLES) delete base[name];
  const child = spawn(process.execPath, [cli, ...args], { env: { ...base, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new CliProcess(child);
}

function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CHILD_TIMEOUT_MS} ms waiting for ${what}`)), CHILD_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
