// The package as a user gets it: `npm pack`, installed offline into a fresh ES-module project and a
// fresh CommonJS project (the latter with `--omit=optional`, so without better-sqlite3), running the
// README's examples and the command, and compiling a strict TypeScript consumer.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, asCommonJs, codeBlocks, command, installInto, packCheckout, succeed, type CodeBlock } from './packed-project.js';
import { runCli } from '../cli/child.js';

/** The README text whose examples run here. */
const README_PATH = 'README.md';
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const blocks = codeBlocks(readFileSync(join(ROOT, README_PATH), 'utf8'));
const jsBlocks = blocks.filter((b) => b.language === 'js');
const esmExamples = jsBlocks.filter((b) => !b.code.includes('require('));
const cjsBlocks = jsBlocks.filter((b) => b.code.includes('require('));
const tsBlocks = blocks.filter((b) => b.language === 'ts');

/** The one example whose code contains `marker`. */
function example(marker: string): CodeBlock {
  const found = esmExamples.filter((b) => b.code.includes(marker));
  if (found.length !== 1) throw new Error(`${README_PATH} has ${found.length} js examples containing ${marker}, expected 1`);
  return found[0]!;
}

/**
 * A consumer of the root entry only: compiled with strict, exactOptionalPropertyTypes and NodeNext, no
 * @types package at all (not even @types/node, hence the console declaration), then run.
 */
const CONSUMER_TS = `import { Registry, createAmMetrics, type Collection } from 'am-metrics';

declare const console: { log(...values: unknown[]): void };

const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' }, now: undefined, maxSeriesPerMetric: undefined, collectTimeoutMs: undefined });
const timer = registry.timer({ name: 'app_op', help: 'Operations.', labelNames: ['op', 'outcome'] as const, constLabels: undefined });
timer.observe({ op: 'read', outcome: 'success' }, 0.25);
timer.observe({ op: 'write', outcome: 'success' }, 0.5);
const removed: boolean = timer.remove({ op: 'write', outcome: 'success' });
const am = createAmMetrics({ registry: undefined, podName: 'am-1', now: undefined });

export function neverCalled(): void {
  // @ts-expect-error: a misspelt label does not compile
  timer.observe({ op: 'x', outcom: 'y' }, 1);
  // @ts-expect-error: nor does a missing one
  timer.observe({ op: 'x' }, 1);
  // @ts-expect-error: remove takes the same labels
  timer.remove({ op: 'x', outcom: 'y' });
  // @ts-expect-error: AM's closed label sets are literal unions
  am.authentication.login('sucess');
  // @ts-expect-error: so are the labels of scrape-time gauges
  am.cts.connectionState.track(() => 1, { status: 'in' });
}

const contentType: string = registry.contentType;
void registry.collect().then(async (collection: Collection) => {
  const text = await registry.metrics();
  console.log(contentType, removed, registry.getSingleMetric('app_op') === timer, collection.families.length);
  console.log(text.split('\\n').filter((line) => line.startsWith('app_op_count')).join(' '));
  registry.reset();
  registry.clear();
  console.log(JSON.stringify(await registry.metrics()));
});
`;

/**
 * An express app in TypeScript (so with @types/express) mounting the router of `am-metrics/express`,
 * every optional option given as `undefined`.
 */
const EXPRESS_CONSUMER_TS = `import express from 'express';
import { createAmMetrics } from 'am-metrics';
import { amLivePage, createMetricsRouter, MIN_SECRET_LENGTH, type MetricsRouterOptions, type StartServerOptions } from 'am-metrics/express';

const am = createAmMetrics({ podName: 'am-0' });
const options: MetricsRouterOptions = {
  auth: { basic: undefined, bearerToken: undefined, realm: undefined },
  authThrottle: { maxFailures: undefined, windowMs: undefined, maxClients: undefined },
  maxConcurrentScrapes: undefined, logger: undefined, clock: undefined, page: amLivePage,
};
const app = express();
app.use(createMetricsRouter(am, options));
export const standalone: StartServerOptions = { source: am, port: undefined, host: undefined, tls: undefined, limits: { maxConnections: undefined } };
export const tokenLength: number = MIN_SECRET_LENGTH; // named in the README's Security section
// @ts-expect-error: the router reads a registry, or something holding one
createMetricsRouter({ collect: 'no' });
`;

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    strict: true,
    exactOptionalPropertyTypes: true,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    lib: ['ES2022'],
    types: [],
    skipLibCheck: false,
    outDir: 'out',
  },
  files: ['consumer.ts', ...tsBlocks.map((_, i) => `readme-${i}.ts`)],
};

let work = '';
const projects: Record<'esm' | 'cjs', string> = { esm: '', cjs: '' };
let tarball = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'am-metrics-pack-'));
  tarball = await packCheckout(work);
  [projects.esm, projects.cjs] = await Promise.all([
    installInto(work, 'esm', 'module', tarball),
    installInto(work, 'cjs', 'commonjs', tarball, { devDependencies: ['@types/express'], omitOptional: true }),
  ]);
}, 240_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

/** Runs the repo's TypeScript compiler on `project`'s `tsconfig`. */
function tsc(project: string, tsconfig: string) {
  return command(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], project);
}

/**
 * Writes CONSUMER_TS and the README's ts blocks into `project` and compiles them with no @types package
 * installed, under CONSUMER_TSCONFIG's options with `compilerOptions` over them (as tsconfig.`name`.json).
 */
function compileConsumer(project: string, name: string, compilerOptions: Readonly<Record<string, unknown>> = {}) {
  const tsconfig = `tsconfig.${name}.json`;
  writeFileSync(
    join(project, tsconfig),
    JSON.stringify({ ...CONSUMER_TSCONFIG, compilerOptions: { ...CONSUMER_TSCONFIG.compilerOptions, ...compilerOptions } }, null, 2),
  );
  writeFileSync(join(project, 'consumer.ts'), CONSUMER_TS);
  tsBlocks.forEach((block, i) => writeFileSync(join(project, `readme-${i}.ts`), block.code));
  return withoutTypesPackages(project, () => tsc(project, tsconfig));
}

/** Runs `work` with `project`'s node_modules/@types moved aside, so nothing can resolve to them. */
async function withoutTypesPackages<T>(project: string, work: () => Promise<T>): Promise<T> {
  const types = join(project, 'node_modules/@types');
  if (!existsSync(types)) return work();
  renameSync(types, `${types}-hidden`);
  try {
    return await work();
  } finally {
    renameSync(`${types}-hidden`, types);
  }
}

/** Writes `code` into `project` as `file` and runs it with node; fails on any stderr or exit code. */
async function runFile(project: string, file: string, code: string): Promise<string> {
  writeFileSync(join(project, file), code);
  const result = await command(process.execPath, [file], project);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** Runs an ES-module example in `kind`'s project: verbatim as .mjs, or as CommonJS (see asCommonJs). */
function runExample(kind: 'esm' | 'cjs', block: CodeBlock, name: string): Promise<string> {
  return kind === 'esm' ? runFile(projects.esm, `${name}.mjs`, block.code) : runFile(projects.cjs, `${name}.cjs`, asCommonJs(block.code));
}

/** Folders the README tells users to import from, shipped beside the build. */
const DASHBOARD_FOLDERS = ['grafana-dashboards/', 'datadog-dashboards/'];

describe('the packed tarball', () => {
  it('holds the build, the dashboards, LICENSE, README and package.json, and no sources or source maps', async () => {
    const files = (await succeed('tar', ['-tzf', tarball], work)).split('\n').filter((f) => f !== '');
    const shipped = ['package/dist/', ...DASHBOARD_FOLDERS.map((folder) => `package/${folder}`)];
    const outside = files.filter((f) => !shipped.some((folder) => f.startsWith(folder)) && !['package/LICENSE', 'package/README.md', 'package/package.json'].includes(f));
    expect(outside).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(projects.esm, 'node_modules/am-metrics/package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      bin: Record<string, string>;
    };
    const targets = Object.values(manifest.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t as Record<string, string>)));
    for (const target of [...targets, ...Object.values(manifest.bin)]) expect(files).toContain(`package/${target.replace(/^\.\//, '')}`);
    expect(readFileSync(join(projects.esm, 'node_modules/am-metrics/LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} am-metrics contributors\n/);
  });

  it('holds every dashboard and rules file the README names, so an installed package has them', async () => {
    const files = new Set((await succeed('tar', ['-tzf', tarball], work)).split('\n'));
    const readme = readFileSync(join(ROOT, README_PATH), 'utf8');
    const named = [...readme.matchAll(/`((?:grafana|datadog)-dashboards\/[^`]*)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    const missing = named.filter((path) => (path.endsWith('/') ? ![...files].some((f) => f.startsWith(`package/${path}`)) : !files.has(`package/${path}`)));
    expect(missing).toEqual([]);
  });

  it('installs the am-metrics command, executable, reading its own package.json', async () => {
    const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await succeed(join(projects.esm, 'node_modules/.bin/am-metrics'), ['--version'], projects.esm)).toBe(`${own.version}\n`);
  });

  it('declares as dependencies or optional dependencies exactly the packages its built code imports', async () => {
    const imported = new Set<string>();
    const listing = await succeed('tar', ['-xzOf', tarball, '--wildcards', 'package/dist/*.js'], work);
    // Import and export statements (tsc writes one per line), dynamic imports, createRequire
    // resolutions of package files (the live page's uPlot) and lazy requires (remote write's snappy).
    const patterns = [
      /^(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"];$/gm,
      /^import\s*['"]([^'"]+)['"];$/gm,
      /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
      /\.resolve\(\s*[`'"]([^`'"$]+)/g,
      /\bcreateRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/g,
    ];
    const specifiers = patterns.flatMap((pattern) => [...listing.matchAll(pattern)].map((m) => m[1]!)).filter((s) => !s.startsWith('.'));
    for (const specifier of specifiers) {
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      if (!specifier.startsWith('node:') && !builtinModules.includes(name)) imported.add(name);
    }
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<'dependencies' | 'optionalDependencies', Record<string, string>>;
    expect([...imported].sort()).toEqual([...Object.keys(manifest.dependencies), ...Object.keys(manifest.optionalDependencies)].sort());
  });
});

describe.each([
  ['an ES-module project', 'esm'],
  ['a CommonJS project', 'cjs'],
] as const)("the README's examples, from %s", (_project, kind) => {
  it('record with a typed timer and render with registry.metrics()', async () => {
    const stdout = await runExample(kind, example('new Registry('), 'registry-example');
    expect(stdout.split('\n')[0]).toBe(CONTENT_TYPE);
    expect(stdout).toContain('am_cts_task_seconds{kubernetes_pod_name="am-0",operation="read",outcome="success",quantile="0.99",} 0.004\n');
    expect(stdout).toContain('am_cts_task_count{kubernetes_pod_name="am-0",operation="read",outcome="success",} 1.0\n');
    expect(stdout).toContain('am_cts_task_count{kubernetes_pod_name="am-0",operation="create",outcome="success",} 1.0\n');
  });

  it('record a login through createAmMetrics()', async () => {
    const stdout = await runExample(kind, example('am.registry.metrics()'), 'catalogue-example');
    expect(stdout).toBe(
      [
        'am_authentication_sum{kubernetes_pod_name="am-0",outcome="success",} 1.0',
        'am_authentication_count{kubernetes_pod_name="am-0",outcome="success",} 1.0',
        'am_authentication_sum{kubernetes_pod_name="am-0",outcome="failure",} 0.0',
        'am_authentication_count{kubernetes_pod_name="am-0",outcome="failure",} 0.0',
        'am_authentication_sum{kubernetes_pod_name="am-0",outcome="timeout",} 0.0',
        'am_authentication_count{kubernetes_pod_name="am-0",outcome="timeout",} 0.0',
        'am_authentication_unique_uuid{kubernetes_pod_name="am-0",outcome="success",} 1.0',
        '',
      ].join('\n'),
    );
  });

  it('serve the router of am-metrics/express from an express app on a free port', async () => {
    const stdout = await runExample(kind, example('createMetricsRouter('), 'express-example');
    expect(stdout).toBe(`200 ${CONTENT_TYPE}\nam_authentication_count{kubernetes_pod_name="am-0",outcome="failure",} 1.0\n`);
  });
});

describe('the package from CommonJS', () => {
  it("runs the README's CommonJS block verbatim", async () => {
    expect(cjsBlocks).toHaveLength(1);
    expect(await runFile(projects.cjs, 'require-example.cjs', cjsBlocks[0]!.code)).toBe('function\napp_logins_count 1.0\n');
  });

  it('loads no express through the root entry, and loads it through am-metrics/express', async () => {
    const count = "Object.keys(require.cache).filter((p) => p.includes('/node_modules/express/')).length";
    const probe = `require('am-metrics'); const root = ${count}; require('am-metrics/express'); console.log(root, ${count} > 0);`;
    expect(await runFile(projects.cjs, 'express-probe.cjs', probe)).toBe('0 true\n');
  });

  it('resolves the simulator entry and the package manifest', async () => {
    const probe = "console.log(typeof require('am-metrics/simulator').createSimulator, require('am-metrics/package.json').name);";
    expect(await runFile(projects.cjs, 'entries-probe.cjs', probe)).toBe('function am-metrics\n');
  });
});

describe('the root entry without express installed', () => {
  it("still runs the README's registry and catalogue examples, while am-metrics/express fails to load", async () => {
    const express = join(projects.esm, 'node_modules/express');
    renameSync(express, `${express}-hidden`);
    try {
      expect(await runExample('esm', example('new Registry('), 'registry-no-express')).toContain('am_cts_task_count{');
      expect(await runExample('esm', example('am.registry.metrics()'), 'catalogue-no-express')).toContain('am_authentication_count{');
      const broken = await command(process.execPath, ['--input-type=module', '-e', "await import('am-metrics/express')"], projects.esm);
      expect(broken.code).not.toBe(0);
      expect(broken.stderr).toContain("Cannot find package 'express'");
    } finally {
      renameSync(`${express}-hidden`, express);
    }
  });
});

/** What the stream store says when better-sqlite3, an optional dependency, is not installed. */
const SQLITE_NOT_INSTALLED = 'better-sqlite3 is not installed (an optional dependency of am-metrics, which metric streams need: npm install better-sqlite3)';
const ADMIN_TOKEN = 'admin-token-0123456789';

/** Code creating metric streams kept in `storeFile`, and printing the StreamStoreError it throws, if any. */
function createStreamsProbe(storeFile: string): string {
  return `try {
  createMetricStreams({ registry: new Registry(), storeFile: ${JSON.stringify(storeFile)}, adminToken: '${ADMIN_TOKEN}' }).stop();
  console.log('opened');
} catch (error) {
  console.log(error instanceof StreamStoreError, error.missingPackage);
  console.log(error.message);
}
`;
}

describe('better-sqlite3 in an ES-module project, installed with it (its install script skipped)', () => {
  it('is loaded by creating metric streams, not by importing the root entry or am-metrics/express', async () => {
    // The install skipped better-sqlite3's build: our own build of the same version stands in for it.
    const release = join(projects.esm, 'node_modules/better-sqlite3/build/Release');
    mkdirSync(release, { recursive: true });
    copyFileSync(join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), join(release, 'better_sqlite3.node'));
    const probe = `import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
const isLoaded = () => Object.keys(cache).some((path) => path.includes('/node_modules/better-sqlite3/'));
const { Registry } = await import('am-metrics');
const root = isLoaded();
const { createMetricStreams, StreamStoreError } = await import('am-metrics/express');
console.log(root, isLoaded());
${createStreamsProbe(':memory:')}console.log(isLoaded());
`;
    try {
      expect(await runFile(projects.esm, 'sqlite-probe.mjs', probe)).toBe('false false\nopened\ntrue\n');
    } finally {
      rmSync(join(projects.esm, 'node_modules/better-sqlite3/build'), { recursive: true, force: true });
    }
  });

  it('without its native addon, makes createMetricStreams throw StreamStoreError saying to rebuild it', async () => {
    const probe = `import { Registry } from 'am-metrics';\nimport { createMetricStreams, StreamStoreError } from 'am-metrics/express';\n${createStreamsProbe('streams.db')}`;
    const [kind, message] = (await runFile(projects.esm, 'sqlite-addon-probe.mjs', probe)).split('\n');
    expect(kind).toBe('true better-sqlite3');
    expect(message).toMatch(
      /^stream store "streams\.db": better-sqlite3 is installed but does not load \(.+\); rebuild it for this Node\.js: npm rebuild better-sqlite3$/,
    );
    expect(existsSync(join(projects.esm, 'streams.db'))).toBe(false);
  });
});

describe('a CommonJS project installed with --omit=optional, so without better-sqlite3', () => {
  const START_LINE = /^am-metrics listening on (http:\/\/\S+?)\/monitoring\/prometheus\/am /;
  const installed = () => ({ cli: join(projects.cjs, 'node_modules/am-metrics/dist/cli.js'), cwd: projects.cjs });

  it("has no better-sqlite3, and runs the README's registry and express router examples", async () => {
    expect(existsSync(join(projects.cjs, 'node_modules/better-sqlite3'))).toBe(false);
    expect(await runExample('cjs', example('new Registry('), 'registry-no-sqlite')).toContain('am_cts_task_count{');
    expect(await runExample('cjs', example('createMetricsRouter('), 'express-no-sqlite')).toContain('am_authentication_count{');
  });

  it('makes createMetricStreams throw StreamStoreError naming better-sqlite3 and how to install it, creating no file', async () => {
    const probe = `const { Registry } = require('am-metrics');\nconst { createMetricStreams, StreamStoreError } = require('am-metrics/express');\n${createStreamsProbe('streams.db')}`;
    expect(await runFile(projects.cjs, 'sqlite-missing-probe.cjs', probe)).toBe(`true better-sqlite3\nstream store "streams.db": ${SQLITE_NOT_INSTALLED}\n`);
    expect(existsSync(join(projects.cjs, 'streams.db'))).toBe(false);
  });

  it('lets am-metrics serve --simulate serve metrics, saying in one line that metric streams are off and why', async () => {
    const cli = runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--simulate'], {}, installed());
    const url = START_LINE.exec(await cli.line(START_LINE))?.[1] ?? '';
    const scrape = await fetch(`${url}/monitoring/prometheus/am`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('am_authentication_count{');
    expect((await fetch(`${url}/api/v2/metric-streams`)).status).toBe(404);
    expect(cli.errorLines).toEqual([`am-metrics: metric streams are off: ${SQLITE_NOT_INSTALLED}`]);
    expect(cli.stdout).not.toMatch(/^metric streams: /m);
  });

  it.each([
    ['an admin token is set', [], { METRICS_ADMIN_TOKEN: ADMIN_TOKEN }, 'am-metrics-streams.db'],
    ['--streams-db is given', ['--simulate', '--streams-db', 'streams.db'], {}, 'streams.db'],
  ])('stops am-metrics serve at start, in one line naming better-sqlite3, when %s', async (_case, args, env, file) => {
    const cli = runCli(['serve', '--port', '0', '--host', '127.0.0.1', ...args], env, installed());
    expect(await cli.exit()).toEqual({ code: 1, signal: null });
    expect(cli.errorLines).toEqual([`am-metrics: cannot start: stream store "${file}": ${SQLITE_NOT_INSTALLED}`]);
    expect(cli.stdout).toBe('');
    expect(existsSync(join(projects.cjs, file))).toBe(false);
  });
});

describe.each([
  ['an ES-module project', 'esm'],
  ['a CommonJS project', 'cjs'],
] as const)('a strict TypeScript consumer of the root entry, in %s', (_project, kind) => {
  it("compiles with no @types package installed (the README's ts blocks included), refuses misspelt labels, and runs", async () => {
    expect(tsBlocks.length).toBeGreaterThan(0);
    const project = projects[kind];
    const compiled = await compileConsumer(project, 'nodenext');
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.code).toBe(0);
    const emitted = readFileSync(join(project, 'out/consumer.js'), 'utf8');
    expect(emitted).toContain(kind === 'esm' ? "from 'am-metrics'" : 'require("am-metrics")');
    const result = await command(process.execPath, ['out/consumer.js'], project);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe([`${CONTENT_TYPE} true true 1`, 'app_op_count{kubernetes_pod_name="am-0",op="read",outcome="success",} 1.0', '""', ''].join('\n'));
  }, 120_000);
});

/**
 * The module resolutions besides NodeNext under which the README's Installing section says the types
 * work: the strict consumer above compiles under each (type-checked only), in the project its users have.
 */
const OTHER_RESOLUTIONS = [
  ['bundler', 'esm', { module: 'ESNext' }],
  ['node', 'cjs', { module: 'commonjs' }],
] as const;

describe('the strict TypeScript consumer under the other module resolutions', () => {
  it('covers each moduleResolution the README names', () => {
    const named = [...readFileSync(join(ROOT, README_PATH), 'utf8').matchAll(/"moduleResolution": "(\w+)"/g)].map((m) => m[1]);
    expect(named.sort()).toEqual(OTHER_RESOLUTIONS.map(([resolution]) => resolution).sort());
  });

  it.each(OTHER_RESOLUTIONS)(
    'compiles under "moduleResolution": "%s" with strict and exactOptionalPropertyTypes, in the %s project',
    async (resolution, kind, options) => {
      const compiled = await compileConsumer(projects[kind], resolution, { ...options, moduleResolution: resolution, noEmit: true });
      expect(compiled.stdout + compiled.stderr).toBe('');
      expect(compiled.code).toBe(0);
    },
    120_000,
  );
});

/** Every entry, compiled the way older tsconfigs resolve modules (`"module": "commonjs"` alone implies node10). */
const NODE10_CONSUMER_TS = `import { Registry } from 'am-metrics';
import { createMetricsRouter } from 'am-metrics/express';
import { clusterMetrics } from 'am-metrics/cluster';
import { createSimulator } from 'am-metrics/simulator';

export const router = createMetricsRouter(new Registry());
export const entries = [clusterMetrics.primary, createSimulator];
`;

describe('a TypeScript express app using am-metrics/express, in a CommonJS project with @types/express', () => {
  it('finds the types of every entry under moduleResolution node10, which reads typesVersions, not exports', async () => {
    const project = projects.cjs;
    writeFileSync(join(project, 'node10-consumer.ts'), NODE10_CONSUMER_TS);
    const config = {
      compilerOptions: {
        strict: true,
        exactOptionalPropertyTypes: true,
        module: 'commonjs',
        moduleResolution: 'node10',
        target: 'ES2022',
        esModuleInterop: true,
        types: ['node'],
        skipLibCheck: false,
        noEmit: true,
      },
      files: ['node10-consumer.ts'],
    };
    writeFileSync(join(project, 'tsconfig.node10.json'), JSON.stringify(config, null, 2));
    const compiled = await tsc(project, 'tsconfig.node10.json');
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/am-metrics/package.json'), 'utf8')) as {
      exports: Record<string, { types?: string } | string>;
      typesVersions: Record<string, Record<string, string[]>>;
    };
    const subpathTypes = Object.entries(manifest.exports).flatMap(([path, target]) =>
      typeof target === 'string' || path === '.' ? [] : [[path.slice(2), [target.types]]],
    );
    expect(manifest.typesVersions).toEqual({ '*': Object.fromEntries(subpathTypes) });
  }, 120_000);

  it('compiles under strict, exactOptionalPropertyTypes and NodeNext, optional options passed as undefined', async () => {
    const project = projects.cjs;
    writeFileSync(join(project, 'express-consumer.ts'), EXPRESS_CONSUMER_TS);
    const config = { compilerOptions: { ...CONSUMER_TSCONFIG.compilerOptions, types: ['node'], noEmit: true }, files: ['express-consumer.ts'] };
    writeFileSync(join(project, 'tsconfig.express.json'), JSON.stringify(config, null, 2));
    const compiled = await tsc(project, 'tsconfig.express.json');
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.code).toBe(0);
  }, 120_000);
});
