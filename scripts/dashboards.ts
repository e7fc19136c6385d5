// `npm run dashboards`: writes the Grafana dashboards and Prometheus rules generated from the AM
// catalogue into grafana-dashboards/, and the Datadog dashboards into datadog-dashboards/. `--check` writes nothing and fails if a committed file differs.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateFiles } from './dashboards/generate.js';

export { generateFiles, dashboards, streamDashboards, datadogDashboards, OUTPUT_DIR, DATADOG_OUTPUT_DIR } from './dashboards/generate.js';
export { dashboardQueries, liveQueries, toPromQL, type LiveQuery, type PromQLOptions } from './dashboards/queries.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes every generated file that differs from what is on disk; returns the paths written (or, with `check`, that differ). */
export function writeDashboards(options: { readonly check?: boolean } = {}): string[] {
  const changed: string[] = [];
  for (const [path, content] of generateFiles()) {
    const file = join(ROOT, path);
    if (existsSync(file) && readFileSync(file, 'utf8') === content) continue;
    changed.push(path);
    if (options.check === true) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return changed;
}

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const changed = writeDashboards({ check });
  const total = generateFiles().size;
  if (check) {
    for (const path of changed) console.error(`out of date: ${path}`);
    if (changed.length > 0) console.error('run `npm run dashboards` and commit the result');
    return changed.length === 0 ? 0 : 1;
  }
  console.log(`${total} files generated, ${changed.length} changed${changed.length === 0 ? '' : `: ${changed.join(', ')}`}`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
