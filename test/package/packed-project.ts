// Builds the package as `npm pack` would publish it and installs the tarball, offline, into fresh
// consumer projects in a temporary directory. The install reads only npm's cache (filled by `npm ci`):
// each consumer gets a lockfile cut from ours, so npm needs no registry metadata to resolve versions.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Bound on any one command (a pack with its build, or an install). */
export const COMMAND_TIMEOUT_MS = 120_000;
/** Top-level paths of the working tree that a fresh checkout would not have. */
const NOT_IN_CHECKOUT = new Set(['node_modules', '.git', 'dist', 'test-results', '.scratch']);

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment without what `npm test` adds for its own package (npm_package_*, npm_lifecycle_*,
 * the local prefix): an npm started from here must act on the directory it is given, not on this repo.
 */
function consumerEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    const isOwnNpmVariable = name.startsWith('npm_') && (!name.startsWith('npm_config_') || name === 'npm_config_local_prefix' || name === 'npm_config_call');
    if (!isOwnNpmVariable) env[name] = value;
  }
  return env;
}

/** Runs `command` in `cwd`; resolves with its exit code and output, whatever the code. */
export function command(file: string, args: readonly string[], cwd: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: consumerEnvironment(), timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: error !== null && stderr === '' ? String(error) : stderr });
    });
  });
}

/** Like `command`, but rejects with its output unless it exits 0. */
export async function succeed(file: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await command(file, args, cwd);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/**
 * Copies the checkout into `work/stage` (without node_modules, which it links, or build output) and
 * runs `npm pack` there, which builds through `prepack`. Returns the tarball's path. Building in a copy
 * leaves this repo's dist/ alone while other test files run it.
 */
export async function packCheckout(work: string): Promise<string> {
  const stage = join(work, 'stage');
  cpSync(ROOT, stage, { recursive: true, filter: (path) => !NOT_IN_CHECKOUT.has(relative(ROOT, path).split(sep)[0] ?? '') });
  symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
  await succeed('npm', ['pack', '--pack-destination', work], stage);
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${work}`);
  return join(work, tarball);
}

type LockEntry = Record<string, unknown> & { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };

/**
 * Entries of our lockfile for `names` and everything they need, found as Node finds them (the nearest
 * node_modules up the tree), with our dev markers dropped: the consumer needs them at run time.
 */
function lockClosure(names: readonly string[]): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const found: Record<string, LockEntry> = {};
  const visit = (from: string, name: string): void => {
    for (let base = from; ; base = base.includes('/node_modules/') ? base.slice(0, base.lastIndexOf('/node_modules/')) : '') {
      const path = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
      const entry = lock.packages[path];
      if (entry !== undefined) {
        if (found[path] !== undefined) return;
        const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
        found[path] = kept;
        for (const next of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(path, next);
        return;
      }
      if (base === '') return; // an optional dependency for another platform: npm leaves it out too
    }
  };
  for (const name of names) visit('', name);
  return found;
}

/** How a consumer project is installed. */
export interface InstallOptions {
  /** Names of our own dev dependencies (e.g. `@types/express`) the consumer adds, at our versions. */
  readonly devDependencies?: readonly string[];
  /** `npm install --omit=optional`: our optional dependencies (better-sqlite3) are left out. */
  readonly omitOptional?: boolean;
}

/**
 * Creates `work/<name>` as a project of module `type` and installs `tarball` into it with
 * `npm install --offline`. The project's lockfile holds our versions of everything.
 */
export async function installInto(work: string, name: string, type: 'module' | 'commonjs', tarball: string, options: InstallOptions = {}): Promise<string> {
  const project = join(work, name);
  mkdirSync(project);
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<
    'dependencies' | 'optionalDependencies' | 'devDependencies',
    Record<string, string> | undefined
  >;
  const devDependencies = options.devDependencies ?? [];
  const dev = Object.fromEntries(devDependencies.map((dependency) => [dependency, own.devDependencies?.[dependency] ?? '*']));
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: `consumer-${name}`, private: true, type, devDependencies: dev }, null, 2)}\n`);
  const runtime = [...Object.keys(own.dependencies ?? {}), ...Object.keys(own.optionalDependencies ?? {})];
  const packages = { '': { name: `consumer-${name}`, devDependencies: dev }, ...lockClosure([...runtime, ...devDependencies]) };
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: `consumer-${name}`, lockfileVersion: 3, requires: true, packages }, null, 2));
  // Install scripts are skipped: the one our dependencies have is better-sqlite3's native build, which
  // compiles SQLite from source (minutes on 2 cores). better-sqlite3 loads its addon only when a
  // database opens, and the stream store opens one only when metric streams are created; the test
  // that creates them copies in our own build of the same version.
  const omit = options.omitOptional === true ? ['--omit=optional'] : [];
  await succeed('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--include=dev', ...omit, tarball], project);
  return project;
}

/** A fenced code block of a markdown text: its language and its code. */
export interface CodeBlock {
  readonly language: string;
  readonly code: string;
}

/** Every fenced code block of `markdown`, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  return [...markdown.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```\s*$/gm)].map((m) => ({ language: m[1] ?? '', code: m[2] ?? '' }));
}

/**
 * An ES-module example as a CommonJS user writes it: `import` lines as `require()` calls, the rest in
 * an async function (CommonJS has no top-level await) whose failure sets the exit code.
 */
export function asCommonJs(code: string): string {
  const lines = code.split('\n');
  const requires = lines
    .filter((line) => line.startsWith('import '))
    .map((line) => {
      const m = /^import ([A-Za-z_$][\w$]*|\{[^}]*\}) from '([^']+)';$/.exec(line);
      if (m === null) throw new Error(`cannot convert the import line: ${line}`);
      return `const ${m[1]} = require('${m[2]}');`;
    });
  const body = lines.filter((line) => !line.startsWith('import ')).join('\n');
  return `${requires.join('\n')}\n(async () => {\n${body}\n})().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}
