// Reads AM's catalogue from the reference document (../shared/reference/am-metrics.md, or the copy in
// test/fixtures), independently of src/metrics/catalog.ts, so catalogue tests cannot agree with
// themselves by construction.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixturePath } from './fixtures.js';

export type ReferenceKind = 'summary' | 'timer' | 'gauge' | 'distinct';

export interface ReferenceLabel {
  readonly name: string;
  /** Documented values of a closed set; undefined for an open set. */
  readonly values?: readonly string[];
}

export interface ReferenceMetric {
  readonly family: string;
  readonly name: string;
  readonly kind: ReferenceKind;
  readonly labels: readonly ReferenceLabel[];
}

const SHARED = fileURLToPath(new URL('../../../shared/reference/am-metrics.md', import.meta.url));
export const COPY = fixturePath('am-metrics-reference.md');

/** The reference text: the shared original when it is beside the checkout, else the committed copy. */
export function referenceText(): string {
  return readFileSync(existsSync(SHARED) ? SHARED : COPY, 'utf8');
}

/** Whether the shared original exists (then the committed copy must equal it). */
export function sharedReference(): string | undefined {
  return existsSync(SHARED) ? readFileSync(SHARED, 'utf8') : undefined;
}

/** Every metric row of the reference's catalogue table. */
export function referenceCatalogue(text = referenceText()): ReferenceMetric[] {
  const tokenTypes = ctsTokenTypes(text);
  const table = text.slice(text.indexOf('## The catalogue'), text.indexOf('CTS task `token_type`'));
  const metrics: ReferenceMetric[] = [];
  let family = '';
  const known = new Map<string, readonly string[]>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`(am_[a-z0-9_]+)`/.exec(cells[2] ?? '')?.[1];
    if (name === undefined) continue;
    if (cells[1] !== '') {
      family = cells[1] as string;
      known.clear();
    }
    const labels = parseLabels(cells[4] ?? '', tokenTypes, known);
    metrics.push({ family, name, kind: kindOf(cells[3] ?? ''), labels });
  }
  return metrics;
}

function kindOf(cell: string): ReferenceKind {
  const word = /^(summary|timer|gauge|distinct)/.exec(cell)?.[1];
  if (word === undefined) throw new Error(`unknown type in reference: ${cell}`);
  return word as ReferenceKind;
}

/** `outcome (success, failure), policy_set (open: e.g. x, y), blacklist_type, token_type (below)`. */
function parseLabels(cell: string, tokenTypes: readonly string[], known: Map<string, readonly string[]>): ReferenceLabel[] {
  if (cell === '–' || cell === '-' || cell === '') return [];
  const labels: ReferenceLabel[] = [];
  for (const match of cell.matchAll(/([a-z_]+)(?:\s*\(([^)]*)\))?/g)) {
    const [, name, inside] = match as unknown as [string, string, string | undefined];
    if (inside?.startsWith('open')) labels.push({ name });
    else if (inside === 'below') labels.push({ name, values: tokenTypes });
    else if (inside !== undefined) {
      const values = inside.split(',').map((v) => v.trim());
      known.set(name, values);
      labels.push({ name, values });
    } else labels.push({ name, values: known.get(name) });
  }
  return labels;
}

/** The CTS token types listed under the table, AM 8.1 additions included. */
function ctsTokenTypes(text: string): string[] {
  const paragraph = text.slice(text.indexOf('CTS task `token_type`:'));
  const body = paragraph.slice(paragraph.indexOf(':') + 1, paragraph.indexOf('\n\n'));
  return body
    .replace('AM 8.1 adds', ',')
    .split(/[,;.]/)
    .map((v) => v.trim())
    .filter((v) => /^[a-z0-9-]+$/.test(v));
}

/**
 * Metrics public AM documentation names outside the page the reference copies, so the reference lacks
 * them: AIC's script cache gauges (AIC's "AM Prometheus metrics", section "Script cache metrics",
 * https://docs.pingidentity.com/pingoneaic/am-reference/prometheus-metrics.html#ref-script-cache-metrics;
 * PingAM 8.1's "Cache script values", "Monitor the cache usage"). Written out here from those pages,
 * not from the catalogue.
 */
export const DOCUMENTED_ELSEWHERE: readonly ReferenceMetric[] = [
  'eviction',
  'hit',
  'invalidate',
  'invalidate_all',
  'load_failure',
  'load_time_seconds',
  'load_count',
  'memory_bytes',
  'miss',
  'size',
].map((event) => ({ family: 'script', name: `am_script_cache_${event}`, kind: 'gauge', labels: [{ name: 'cache_name' }, { name: 'realm' }] }));

/** Sample names a metric of `kind` writes, in the AIC (`_sum`) or legacy (`_total`) profile. */
export function expectedSamples(metric: ReferenceMetric, profile: 'aic' | 'legacy'): string[] {
  const sum = profile === 'aic' ? 'sum' : 'total';
  switch (metric.kind) {
    case 'summary':
      return [`${metric.name}_count`, `${metric.name}_${sum}`];
    case 'timer':
      return [`${metric.name}_seconds`, `${metric.name}_seconds_${sum}`, `${metric.name}_count`];
    default:
      return [metric.name];
  }
}
