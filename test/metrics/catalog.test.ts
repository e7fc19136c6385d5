import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG, createAmMetrics, InvalidLabelError, type AmMetrics } from '../../src/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { COPY, DOCUMENTED_ELSEWHERE, expectedSamples, referenceCatalogue, sharedReference } from '../support/reference.js';
import { recordEvent, firstValues } from '../support/am-events.js';
import { expectToMatchFixture } from '../support/fixtures.js';
import { parseExposition, promtoolCheckMetrics, type ParsedSample } from '../support/prometheus-tools.js';

const REFERENCE = referenceCatalogue();
const POD = 'am-75b55d85c8-gqw9l';

/** Every documented metric recorded once, on a fixed clock: the reference's, then those documented elsewhere. */
async function oneOfEach(): Promise<AmMetrics> {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
  const am = createAmMetrics({ podName: POD, now: () => clock.now() });
  for (const metric of [...REFERENCE, ...DOCUMENTED_ELSEWHERE]) await recordEvent(am, metric);
  clock.advance({ seconds: 10 });
  return am;
}

const parsed = new Map<string, Promise<ParsedSample[]>>();

/** The parsed samples of `oneOfEach()` in one format and profile, parsed once per test file. */
function samplesOf(format: 'prometheus' | 'openmetrics', profile: 'aic' | 'legacy'): Promise<ParsedSample[]> {
  const key = `${format}/${profile}`;
  let samples = parsed.get(key);
  if (samples === undefined) {
    samples = oneOfEach()
      .then((am) => am.registry.metrics({ format, profile }))
      .then((text) => parseExposition(text, format))
      .then((families) => families.flatMap((f) => f.samples));
    parsed.set(key, samples);
  }
  return samples;
}

describe('the AM catalogue', () => {
  it('uses a reference copy identical to the shared one', () => {
    const shared = sharedReference();
    if (shared !== undefined) expect(readFileSync(COPY, 'utf8')).toBe(shared);
    expect(REFERENCE).toHaveLength(33);
  });

  it("holds the reference's metrics and those documented elsewhere, each with its documented kind, labels and source", () => {
    const shape = (m: { family: string; name: string; kind: string; labels: readonly { name: string; values?: readonly string[] }[] }) =>
      JSON.stringify([m.family, m.kind, m.name, m.labels.map((l) => [l.name, l.values === undefined ? 'open' : [...l.values].sort()])]);
    const documented = [...REFERENCE, ...DOCUMENTED_ELSEWHERE].map(shape).sort();
    expect(CATALOG.map(shape).sort()).toEqual(documented);
    const elsewhere = new Set(DOCUMENTED_ELSEWHERE.map((m) => m.name));
    for (const spec of CATALOG) expect(spec.source === 'AIC-docs', spec.name).toBe(elsewhere.has(spec.name));
  });

  describe.each([
    ['prometheus', 'aic'],
    ['prometheus', 'legacy'],
    ['openmetrics', 'aic'],
    ['openmetrics', 'legacy'],
  ] as const)('in %s text with %s names', (format, profile) => {
    it.each(REFERENCE.map((m) => [`${m.kind} ${m.name}`, m] as const))('writes every documented sample of %s with its documented labels', async (_name, metric) => {
      const samples = await samplesOf(format, profile);
      for (const name of expectedSamples(metric, profile)) {
        const labelSets = samples.filter((s) => s.name === name).map((s) => Object.keys(s.labels).sort().join(','));
        const documented = [...metric.labels.map((l) => l.name), 'kubernetes_pod_name', ...(name.endsWith('_seconds') ? ['quantile'] : [])].sort().join(',');
        expect(labelSets, name).toContain(documented);
      }
    });
  });

  it.each(DOCUMENTED_ELSEWHERE.map((m) => [m.name, m] as const))('writes %s, documented outside the reference, with its documented labels', async (_name, metric) => {
    for (const [format, profile] of [
      ['prometheus', 'aic'],
      ['openmetrics', 'legacy'],
    ] as const) {
      const samples = (await samplesOf(format, profile)).filter((s) => s.name === metric.name);
      expect(
        samples.map((s) => Object.keys(s.labels).sort().join(',')),
        `${format} ${metric.name}`,
      ).toEqual(['cache_name,kubernetes_pod_name,realm']);
    }
  });

  it('matches the golden catalogue exposition byte for byte', async () => {
    expectToMatchFixture(await (await oneOfEach()).registry.metrics(), 'am-catalogue.prom');
  });

  it.each(['aic', 'legacy'] as const)('passes promtool check metrics with no warnings (%s names)', async (profile) => {
    const result = await promtoolCheckMetrics(await (await oneOfEach()).registry.metrics({ profile }));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('accepts every documented value of every closed label set', async () => {
    const am = createAmMetrics({ podName: POD });
    let recorded = 0;
    for (const metric of REFERENCE) {
      for (const label of metric.labels) {
        for (const value of label.values ?? []) {
          await recordEvent(am, metric, { ...firstValues(metric), [label.name]: value });
          recorded += 1;
        }
      }
    }
    expect(recorded).toBeGreaterThan(100);
    const text = await am.registry.metrics();
    for (const value of ['uma-requesting-party', 'register-pll-listener', 'token-exchange', 'session_client_based', 'authentication-in-memory']) {
      expect(text).toContain(`="${value}"`);
    }
  });

  it('refuses an undocumented value of a closed set, lists the allowed values, and records nothing', async () => {
    const am = createAmMetrics({ podName: POD });
    am.authentication.outcome('success');
    const before = await am.registry.metrics();
    expect(() => am.authentication.outcome('sucess' as never)).toThrow(
      new InvalidLabelError('am_authentication', 'outcome', 'sucess', 'got "sucess"', ['success', 'failure', 'timeout']),
    );
    expect(() => am.cts.task({ operation: 'create', tokenType: 'oauth3' as never }, 0.1, 'success')).toThrow(
      /label "token_type" got "oauth3" \(allowed: authentication-whitelist, /,
    );
    expect(() => am.session.timeout('logout' as never, 'cts-based')).toThrow(/allowed: idle-timeout, max-timeout/);
    expect(() => am.oauth2.tokenRevoked('refresh-token' as never)).toThrow(InvalidLabelError);
    expect(() => am.session.storeSize.track(() => 1, { session_type: 'cts-based' as never })).toThrow(InvalidLabelError);
    expect(await am.registry.metrics()).toBe(before);
  });

  it('takes any value of an open set, up to the cardinality cap', async () => {
    const am = createAmMetrics({ podName: POD });
    for (let i = 0; i < 2_100; i += 1) am.authorization.advice(`policySet${i}`, 'AuthLevelConditionAdvice');
    const text = await am.registry.metrics();
    expect(text.match(/^am_authorization_policy_set_evaluate_advice_count/gm)).toHaveLength(2_001);
    expect(text).toContain('am_metrics_overflow_total{kubernetes_pod_name="am-75b55d85c8-gqw9l",metric="am_authorization_policy_set_evaluate_advice",} 100.0');
  });
});
