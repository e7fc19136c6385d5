// The sample and family names each metric kind writes in Prometheus text, in either naming profile:
// the writer names its samples with these, and the registry reserves them against clashes.
import type { FamilyKind } from '../../registry/descriptor.js';

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

/** The suffix OpenMetrics 1.0 gives a summary's or counter's creation time sample. */
const CREATED_SUFFIX = '_created';

/**
 * Every family and sample name a metric of `kind` called `name` may write, in either profile and
 * either format. OpenMetrics parsers also read `X_created` as part of summary or counter family `X`,
 * so a gauge `am_z_created` beside a summary `am_z` would break strict parsers: that name is
 * reserved too, though we do not write it.
 */
export function prometheusNames(kind: FamilyKind, name: string): readonly string[] {
  const sumsAndCounts = (base: string): string[] => [base, sumName(base, 'aic'), sumName(base, 'legacy'), `${base}_count`, `${base}${CREATED_SUFFIX}`];
  switch (kind) {
    case 'summary':
      return sumsAndCounts(name);
    case 'timer':
      return [name, `${name}_count`, `${name}${CREATED_SUFFIX}`, ...sumsAndCounts(`${name}${TIMER_UNIT_SUFFIX}`)];
    case 'counter':
      return [name, `${name}_total`, `${name}${CREATED_SUFFIX}`];
    case 'gauge':
    case 'distinct':
      return [name];
  }
}
