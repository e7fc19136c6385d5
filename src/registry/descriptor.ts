// A metric's identity: name, help, label names and the constant labels every series carries.
// Validates names once at registration; the hot path never re-checks them.
import { InvalidNameError } from './errors.js';
import { isWellFormed } from './well-formed.js';

/** The four metric types AM exposes. */
export type MetricKind = 'summary' | 'timer' | 'gauge' | 'distinct';

/** Kinds of family a collection holds: the four metric types, counters and histograms. */
export type FamilyKind = MetricKind | 'counter' | 'histogram';

/**
 * What a caller passes to register a metric. `L` is the union of the label names: pass them `as const`
 * and the metric's methods accept exactly those labels.
 */
export interface MetricOptions<L extends string = string> {
  /** Base name, e.g. `am_cts_task`; a timer's samples add `_seconds`, `_count` and `_sum` to it. */
  readonly name: string;
  /** One line describing the metric, written as `# HELP`. */
  readonly help: string;
  /** Names of the labels every observation must give, in any order. */
  readonly labelNames?: readonly L[] | undefined;
  /** Labels with fixed values on every series of this metric, beside the registry's default labels. */
  readonly constLabels?: Readonly<Record<string, string>> | undefined;
}

/** A validated metric identity; `constLabels` are the metric's own (the registry's default labels apart). */
export interface Descriptor {
  readonly kind: FamilyKind;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly constLabels: Readonly<Record<string, string>>;
}

const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Label names Prometheus gives a meaning of its own (summary quantiles, histogram buckets). */
const RESERVED_LABELS = new Set(['quantile', 'le']);
/** The unit a timer's duration samples add to its base name. */
const TIMER_UNIT = '_seconds';

/**
 * Checks a registration and freezes it into a Descriptor.
 * @throws InvalidNameError for an invalid or reserved metric or label name, label names that are not a
 *   list, a timer name ending in `_seconds` (its samples add the unit), a duplicate label name, a label
 *   that repeats a default or constant label, an empty help text, or help or a constant label value
 *   holding a lone surrogate.
 */
export function createDescriptor(kind: MetricKind, options: MetricOptions<string>, registryLabels: Readonly<Record<string, string>>): Descriptor {
  const { name, help } = options;
  checkMetricName(name);
  if (kind === 'timer' && name.endsWith(TIMER_UNIT) && name.length > TIMER_UNIT.length) {
    const base = name.slice(0, -TIMER_UNIT.length);
    throw new InvalidNameError(
      name,
      name,
      `ends in "${TIMER_UNIT}", which a timer's samples add themselves (it would write ${name}${TIMER_UNIT}_sum): name it "${base}"`,
    );
  }
  if (typeof help !== 'string' || help.trim() === '') {
    throw new InvalidNameError(name, String(help), 'needs a non-empty help text');
  }
  if (!isWellFormed(help)) throw new InvalidNameError(name, help, 'help is not well-formed text: it holds a lone UTF-16 surrogate');
  const own = options.constLabels ?? {};
  for (const [label, value] of Object.entries(own)) {
    checkLabelName(name, label);
    if (typeof value !== 'string') throw new InvalidNameError(name, label, 'needs a string value as a constant label');
    if (!isWellFormed(value)) throw new InvalidNameError(name, label, 'has a constant value that is not well-formed text (a lone UTF-16 surrogate)');
    if (Object.hasOwn(registryLabels, label)) throw new InvalidNameError(name, label, 'is already a default label of the registry');
  }
  const constLabels = Object.freeze({ ...own });
  const given: unknown = options.labelNames ?? [];
  if (!Array.isArray(given)) throw new InvalidNameError(name, String(given), 'is not a list of label names');
  const labelNames: string[] = [...(given as readonly string[])];
  const seen = new Set<string>();
  for (const label of labelNames) {
    checkLabelName(name, label);
    if (seen.has(label)) throw new InvalidNameError(name, label, 'is listed twice as a label name');
    if (Object.hasOwn(constLabels, label)) throw new InvalidNameError(name, label, 'is already a constant label of this metric');
    if (Object.hasOwn(registryLabels, label)) throw new InvalidNameError(name, label, 'is already a default label of the registry');
    seen.add(label);
  }
  return Object.freeze({ kind, name, help, labelNames: Object.freeze(labelNames), constLabels });
}

/** @throws InvalidNameError when `name` is not a legal, unreserved Prometheus metric name. */
export function checkMetricName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
    throw new InvalidNameError(String(name), String(name), 'is not a valid metric name ([a-zA-Z_][a-zA-Z0-9_]*)');
  }
  if (name.startsWith('__')) throw new InvalidNameError(name, name, 'is reserved (names starting with "__")');
}

/** @throws InvalidNameError when `label` is not a legal label name or is reserved. */
export function checkLabelName(metric: string, label: unknown): asserts label is string {
  if (typeof label !== 'string' || !LABEL_NAME.test(label)) {
    throw new InvalidNameError(metric, String(label), 'is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)');
  }
  if (label.startsWith('__')) throw new InvalidNameError(metric, label, 'is reserved (label names starting with "__")');
  if (RESERVED_LABELS.has(label)) {
    throw new InvalidNameError(metric, label, 'is reserved (Prometheus writes it for quantiles and buckets)');
  }
}

/** A short human description of a descriptor's shape, for conflict messages. */
export function describeShape(d: Pick<Descriptor, 'kind' | 'help' | 'labelNames'>): string {
  return `${d.kind}(labels: [${[...d.labelNames].sort().join(', ')}], help: ${JSON.stringify(d.help)})`;
}

/** Whether two descriptors have the same kind, help, label names (order aside) and constant labels. */
export function isSameShape(a: Descriptor, b: Descriptor): boolean {
  return (
    a.kind === b.kind &&
    a.help === b.help &&
    sameLabelNames(a.labelNames, b.labelNames) &&
    JSON.stringify(Object.entries(a.constLabels).sort()) === JSON.stringify(Object.entries(b.constLabels).sort())
  );
}

/** Whether two label-name lists hold the same names, order aside. */
export function sameLabelNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((label) => b.includes(label));
}
