// Numbers, escaping and label blocks for the Prometheus text formats (0.0.4 and OpenMetrics 1.0).
import type { Labels } from '../../registry/labels.js';
import { javaDouble } from '../java-double.js';

/** The two text formats the registry writes. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/**
 * A sample value. Text 0.0.4 writes finite numbers as AM does, with Java's `Double.toString`
 * (`7016.0`, `7.69764553089487E-4`, `1.2113019E7`; see javaDouble); OpenMetrics writes integers with
 * `.0` below 10^21 and other numbers in JavaScript's shortest round-trip form (`1.5e-7`). Both spell
 * `NaN`, `+Inf` and `-Inf` alike.
 */
export function formatValue(value: number, format: ExpositionFormat): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  if (format === 'prometheus') return javaDouble(value);
  if (Number.isInteger(value)) return Math.abs(value) < 1e21 ? `${value}.0` : String(value);
  return String(value);
}

/** A label value, escaped as both text formats require: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, escapeChar) : value;
}

/**
 * HELP text. Text format 0.0.4 escapes only backslash and line feed there; OpenMetrics also escapes
 * the double quote (OpenMetrics 1.0, "Escaping").
 */
export function escapeHelp(help: string, format: ExpositionFormat): string {
  const special = format === 'openmetrics' ? /[\\"\n]/g : /[\\\n]/g;
  return help.replace(special, escapeChar);
}

function escapeChar(char: string): string {
  return char === '\n' ? '\\n' : `\\${char}`;
}

const NO_RESOURCE: Labels = Object.freeze({});
const labelPairsCache = new WeakMap<Labels, WeakMap<Labels, string>>();

/**
 * `name="value",` for each label of `resource` and `labels` together, sorted by name, each pair followed
 * by a comma. Series keep one frozen labels object for life and a registry one resource, so the escaped
 * text is computed once per series, not per scrape.
 */
export function labelPairs(labels: Labels, resource: Labels = NO_RESOURCE): string {
  let cache = labelPairsCache.get(resource);
  if (cache === undefined) labelPairsCache.set(resource, (cache = new WeakMap()));
  let pairs = cache.get(labels);
  if (pairs === undefined) {
    pairs = '';
    const all = { ...resource, ...labels };
    for (const name of Object.keys(all).sort()) pairs += `${name}="${escapeLabelValue(all[name] as string)}",`;
    cache.set(labels, pairs);
  }
  return pairs;
}

/**
 * The label block of a sample, `extra` (the quantile) last. Text format 0.0.4 keeps AM's trailing
 * comma inside the braces; OpenMetrics forbids it. No labels at all means no braces.
 */
export function labelBlock(pairs: string, format: ExpositionFormat, extra = ''): string {
  const all = pairs + extra;
  if (all === '') return '';
  return format === 'prometheus' ? `{${all}}` : `{${all.slice(0, -1)}}`;
}
