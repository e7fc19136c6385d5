// The sample and family names each metric kind writes in Prometheus text, in either naming profile:
// the writer names its samples with these, and the registry reserves them against clashes.
import type { FamilyKind } from '../../registry/descriptor.js';
import { TIMER_HISTOGRAM_SUFFIX } from '../../registry/timer.js';

/**
 * Which sample names a render uses for sums: `aic` writes `X_sum` and `X_seconds_sum` (AIC and AM 8's
 * `/metrics/prometheus/0.0.4`), `legacy` writes `X_total` and `X_seconds_total` (AM ≤ 7.5).
 */
export type NamingProfile = 'aic' | 'legacy';

/** The unit suffix AM gives a timer's quantile and sum samples (but not its count). */
export const TIMER_UNIT_SUFFIX = '_seconds';

/** The name of the sum sample of a summary or timer series called `base` in `profile`. */
export function sumName(base: string, profile: NamingProfile): string {
  return profile === 'legacy' ? `${base}_total` : `${base}_sum`;
}

/** The suffix OpenMetrics 1.0 gives a summary's, counter's or histogram's creation time sample. */
const CREATED_SUFFIX = '_created';

/** The samples of histogram family `name`: buckets, sum and count, as 0.0.4 and OpenMetrics name them. */
export function histogramSampleNames(name: string): { bucket: string; sum: string; count: string } {
  return { bucket: `${name}_bucket`, sum: `${name}_sum`, count: `${name}_count` };
}

/**
 * Every family and sample name a metric of `kind` called `name` may write, in either profile and
 * either format; with `timerBuckets`, a timer's histogram family (name + TIMER_HISTOGRAM_SUFFIX) too.
 * OpenMetrics parsers also read `X_created` as part of summary, counter or histogram family `X`, so a
 * gauge `am_z_created` beside a summary `am_z` would break strict parsers: that name is reserved too,
 * though we do not write it.
 */
export function prometheusNames(kind: FamilyKind, name: string, timerBuckets = false): readonly string[] {
  const sumsAndCounts = (base: string): string[] => [base, sumName(base, 'aic'), sumName(base, 'legacy'), `${base}_count`, `${base}${CREATED_SUFFIX}`];
  switch (kind) {
    case 'summary':
      return sumsAndCounts(name);
    case 'timer': {
      const histogram = timerBuckets ? prometheusNames('histogram', `${name}${TIMER_HISTOGRAM_SUFFIX}`) : [];
      return [name, `${name}_count`, `${name}${CREATED_SUFFIX}`, ...sumsAndCounts(`${name}${TIMER_UNIT_SUFFIX}`), ...histogram];
    }
    case 'histogram':
      return [name, ...Object.values(histogramSampleNames(name)), `${name}${CREATED_SUFFIX}`];
    case 'counter':
      return [name, `${name}_total`, `${name}${CREATED_SUFFIX}`];
    case 'gauge':
    case 'distinct':
      return [name];
  }
}
