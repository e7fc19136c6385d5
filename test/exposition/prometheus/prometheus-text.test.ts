import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Registry, renderExposition, writePrometheusText, type ExpositionFormat, type NamingProfile } from '../../../src/index.js';
import { writeExposition, type RenderOptions } from '../../../src/exposition/prometheus/prometheus-text.js';
import type { Collection, FamilySnapshot } from '../../../src/registry/collection.js';
import { ManualClock } from '../../support/manual-clock.js';
import { expectToMatchFixture } from '../../support/fixtures.js';
import { parseExposition, promtoolCheckMetrics } from '../../support/prometheus-tools.js';

/** What writeExposition gives its sink, part by part, and the families it left out. */
async function renderExpositionBytes(collection: Collection, options: RenderOptions = {}) {
  const parts: Uint8Array[] = [];
  const leftOut = await writeExposition(collection, (part) => void parts.push(part), options);
  return { parts, leftOut };
}

/** A family of `kind` named `name` with one series labelled k=`value`, as a collection holds it. */
function snapshotOf(kind: FamilySnapshot['kind'], name: string, value: string): FamilySnapshot {
  const descriptor = { kind, name, help: `Help of ${name}.`, labelNames: ['k'], constLabels: {} };
  const base = { labels: { k: value }, startMs: 0 };
  const counted = { ...base, count: 1, sum: 2, rates: { mean: 0, m1: 0, m5: 0, m15: 0 } };
  switch (kind) {
    case 'summary':
      return { kind, descriptor, series: [counted] };
    case 'timer':
      return { kind, descriptor, series: [{ ...counted, quantiles: [{ quantile: 0.5, value: 1 }], min: 1, max: 1, mean: 1, stddev: 0 }] };
    case 'histogram':
      return { kind, descriptor, series: [{ ...base, count: 1, sum: 1, buckets: [{ le: 1, count: 1 }] }] };
    case 'counter':
    case 'gauge':
    case 'distinct':
      return { kind, descriptor, series: [{ ...base, value: 3 }] };
  }
}

/** One of each metric type with a few fixed observations, on a fixed clock. */
function scenarioRegistry(): { registry: Registry; clock: ManualClock } {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
  const registry = new Registry({ now: () => clock.now(), defaultLabels: { kubernetes_pod_name: 'am-75b55d85c8-gqw9l' } });
  const logins = registry.summary({ name: 'am_authentication', help: 'Authentication journeys by outcome.', labelNames: ['outcome'] });
  const cts = registry.timer({ name: 'am_cts_task', help: 'CTS operations by outcome and token type.', labelNames: ['operation', 'outcome', 'token_type'] });
  const users = registry.distinctCounter({ name: 'am_authentication_unique_uuid', help: 'Unique identities that logged in.', labelNames: ['outcome'] });
  const sessions = registry.timer({ name: 'am_session', help: 'Session operations.', labelNames: ['operation', 'outcome', 'session_type'] });
  const timeouts = registry.summary({ name: 'am_session', help: 'Session timeouts.', labelNames: ['operation', 'session_type'] });
  registry.gauge({ name: 'am_session_cts_based_cache_size', help: 'Sessions in the "CTS-based" session cache.', collect: () => 42 });
  const idle = registry.timer({ name: 'am_cts_connection', help: 'CTS connection attempts.', labelNames: ['outcome'] });

  idle.observe({ outcome: 'success' }, 0.002);
  clock.advance({ minutes: 6 });
  for (const outcome of ['success', 'success', 'success', 'failure'] as const) logins.record({ outcome });
  for (const user of ['alice', 'bob', 'alice', 'carol']) users.add({ outcome: 'success' }, user);
  for (const seconds of [0.004, 0.005, 0.006, 0.25]) cts.observe({ operation: 'create', outcome: 'success', token_type: 'session' }, seconds);
  cts.observe({ operation: 'read', outcome: 'failure', token_type: 'oauth2' }, 1.5);
  sessions.observe({ operation: 'create', outcome: 'success', session_type: 'cts-based' }, 0.012);
  timeouts.record({ operation: 'max-timeout', session_type: 'cts-based' });
  clock.advance({ seconds: 30 });
  return { registry, clock };
}

const VARIANTS: ReadonlyArray<[ExpositionFormat, NamingProfile, string]> = [
  ['prometheus', 'aic', 'one-of-each.aic.prom'],
  ['prometheus', 'legacy', 'one-of-each.legacy.prom'],
  ['openmetrics', 'aic', 'one-of-each.aic.openmetrics.txt'],
  ['openmetrics', 'legacy', 'one-of-each.legacy.openmetrics.txt'],
];

describe('writeExposition', () => {
  it.each(VARIANTS)('writes %s text with %s names exactly as the golden file', async (format, profile, fixture) => {
    const { registry } = scenarioRegistry();
    expectToMatchFixture(await registry.metrics({ format, profile }), `exposition/${fixture}`);
  });

  it.each(VARIANTS.filter(([format]) => format === 'prometheus'))('passes promtool check metrics with no warnings (%s, %s)', async (format, profile) => {
    const { registry } = scenarioRegistry();
    const result = await promtoolCheckMetrics(await registry.metrics({ format, profile }));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each(VARIANTS)('is read back by the official %s parser (%s names)', async (format, profile) => {
    const { registry } = scenarioRegistry();
    const text = await registry.metrics({ format, profile });
    const families = await parseExposition(text, format);
    const samples = families.flatMap((f) => f.samples.map((s) => ({ family: f.name, type: f.type, ...s })));
    const sumName = profile === 'aic' ? 'am_cts_task_seconds_sum' : 'am_cts_task_seconds_total';
    const create = { kubernetes_pod_name: 'am-75b55d85c8-gqw9l', operation: 'create', outcome: 'success', token_type: 'session' };
    expect(samples).toContainEqual(expect.objectContaining({ name: 'am_cts_task_count', labels: create, value: 4 }));
    expect(samples).toContainEqual(expect.objectContaining({ name: sumName, labels: create, value: 0.265 }));
    expect(samples).toContainEqual(expect.objectContaining({ name: 'am_authentication_unique_uuid', type: 'gauge', value: 3 }));
    // The idle timer reports NaN quantiles rather than freezing its last values.
    const idle = samples.filter((s) => s.name === 'am_cts_connection_seconds');
    expect(idle.map((s) => s.value)).toEqual(Array(6).fill('NaN'));
    // One TYPE line per family name, even where a timer and a summary share AM's base name.
    const typed = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(new Set(typed).size).toBe(typed.length);
  });

  it('round-trips any label value through render and the official parsers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 12 }), { minLength: 1, maxLength: 60 }), async (values) => {
        const registry = new Registry();
        const gauge = registry.gauge({ name: 'am_values', help: 'Values with a "quote" and a \\ backslash\nand a line feed', labelNames: ['value'] });
        values.forEach((value, i) => gauge.set({ value }, i));
        for (const format of ['prometheus', 'openmetrics'] as const) {
          const [family] = await parseExposition(await registry.metrics({ format }), format);
          expect(family?.help).toBe('Values with a "quote" and a \\ backslash\nand a line feed');
          expect(family?.samples.map((s) => [s.labels.value, s.value])).toEqual(values.map((v, i) => [v, i]));
        }
      }),
      { numRuns: 15, seed: 20261126 },
    );
  });
});

describe('metrics() rendered family by family (issue 13)', () => {
  it.each(VARIANTS)('writes %s text with %s names exactly as rendering a whole collection does', async (format, profile) => {
    const { registry } = scenarioRegistry();
    const whole = writePrometheusText(await registry.collect(), { format, profile });
    expect(await registry.metrics({ format, profile })).toBe(whole);
  });
});

describe('writeExposition (issue 11: serving without long synchronous steps)', () => {
  it.each(VARIANTS)('writes the UTF-8 bytes of the %s text with %s names', async (format, profile) => {
    const { registry } = scenarioRegistry();
    registry.gauge({ name: 'am_accents', help: 'Grüße, 名前.', labelNames: ['city'] }).set({ city: 'Zürich "Ost"' }, 1);
    const collection = await registry.collect();
    const { parts } = await renderExpositionBytes(collection, { format, profile });
    expect(Buffer.concat(parts).toString('utf8')).toBe(writePrometheusText(collection, { format, profile }));
  });

  it.each(['prometheus', 'openmetrics'] as const)('never writes more than maxBytes, HELP escapes, long TYPE lines and # EOF counted (%s)', async (format) => {
    const registry = new Registry();
    const help = 'back\\slash\nnew line \\\\ é€😀';
    for (const name of ['am_a', 'am_b', 'am_c_with_a_long_name_for_its_type_line']) {
      const gauge = registry.gauge({ name, help, labelNames: ['u'] });
      for (let i = 0; i < 20; i += 1) gauge.set({ u: `é€😀${i}` }, i);
    }
    const collection = await registry.collect();
    const bytesOf = async (maxBytes?: number) => Buffer.concat((await renderExpositionBytes(collection, { format, maxBytes })).parts).length;
    const full = await bytesOf();
    for (let maxBytes = full - 200; maxBytes <= full; maxBytes += 1) {
      expect(await bytesOf(maxBytes), `maxBytes ${maxBytes}`).toBeLessThanOrEqual(maxBytes);
    }
  });

  it.each(VARIANTS)('writes finished families before the render ends, holding back one that a later family adds to (%s, %s)', async (format, profile) => {
    const registry = new Registry();
    // AM's am_session: a timer and a summary share the count family am_x, far apart in the collection.
    registry.timer({ name: 'am_x', help: 'X timed.', labelNames: ['op', 'outcome'] }).observe({ op: 'a', outcome: 'success' }, 0.01);
    registry.gauge({ name: 'am_between', help: 'Between.' }).set({}, 2);
    registry.summary({ name: 'am_x', help: 'X counted.', labelNames: ['op'] }).record({ op: 'b' });
    registry.gauge({ name: 'am_last', help: 'Last.' }).set({}, 3);
    const collection = await registry.collect();
    const parts: Uint8Array[] = [];
    let writtenBeforeTrailer = '';
    const trailer = () => {
      writtenBeforeTrailer = Buffer.concat(parts).toString('utf8');
      return [];
    };
    const leftOut = await writeExposition(collection, (part) => void parts.push(part), { format, profile, trailer });
    expect(leftOut).toEqual([]);
    expect(Buffer.concat(parts).toString('utf8')).toBe(writePrometheusText(collection, { format, profile }));
    expect(writtenBeforeTrailer).toContain('am_last 3');
    expect(writtenBeforeTrailer.endsWith('# EOF\n')).toBe(false);
  });

  // The lookahead (prometheusNames) must hold back every output family a later family can add to,
  // whatever the order: families named so that their output families collide, in any order and size.
  it('writes what renderExposition writes for families sharing output names in any order', async () => {
    const names = ['am_a', 'am_a_total', 'am_a_seconds', 'am_a_seconds_total', 'am_a_count', 'am_a_sum', 'am_b'];
    const family = fc.record({ kind: fc.constantFrom('summary', 'timer', 'counter', 'gauge', 'histogram', 'distinct'), name: fc.constantFrom(...names) });
    const variant = fc.record({ format: fc.constantFrom<ExpositionFormat>('prometheus', 'openmetrics'), profile: fc.constantFrom<NamingProfile>('aic', 'legacy') });
    await fc.assert(
      fc.asyncProperty(
        fc.array(family, { minLength: 1, maxLength: 6 }),
        variant,
        fc.option(fc.integer({ min: 100, max: 800 })),
        async (families, { format, profile }, maxBytes) => {
          const collection: Collection = { timeMs: 1_000, resource: {}, failures: [], families: families.map((f, i) => snapshotOf(f.kind, f.name, String(i))) };
          const options = { format, profile, maxBytes: maxBytes ?? undefined };
          const text = await renderExposition(collection, options);
          const bytes = await renderExpositionBytes(collection, options);
          expect(Buffer.concat(bytes.parts).toString('utf8')).toBe(text.text);
          expect(bytes.leftOut.map((f) => f.metric)).toEqual(text.leftOut.map((f) => f.metric));
        },
      ),
      { seed: 11, numRuns: 2_000 },
    );
  });

  it('leaves out a family that would add to an output family already written, and writes the others', async () => {
    const registry = new Registry();
    registry.gauge({ name: 'am_first', help: 'First.' }).set({}, 1);
    const collection = await registry.collect();
    const again = collection.families[0]!;
    const { parts, leftOut } = await renderExpositionBytes(collection, { trailer: () => [again] });
    expect(leftOut.map((f) => f.metric)).toEqual(['am_first']);
    expect(String(leftOut[0]?.error)).toContain('am_first was already written out');
    expect(Buffer.concat(parts).toString('utf8')).toBe(writePrometheusText(collection));
  });

  it('stops rendering when the sink rejects, with its error', async () => {
    const registry = new Registry();
    for (const name of ['am_a', 'am_b', 'am_c']) registry.gauge({ name, help: 'G.' }).set({}, 1);
    const collection = await registry.collect();
    let calls = 0;
    const gone = new Error('client gone');
    const sink = () => {
      calls += 1;
      throw gone;
    };
    await expect(writeExposition(collection, sink)).rejects.toBe(gone);
    expect(calls).toBe(1);
  });

  it('leaves out the family that would pass maxBytes, and only it, as the text render does', async () => {
    const registry = new Registry();
    registry.gauge({ name: 'am_small', help: 'Small.' }).set({}, 1);
    const wide = registry.gauge({ name: 'am_wide', help: 'Wide.', labelNames: ['k'] });
    // 600 series: the family renders in more than one part (RENDER_CHUNK_SERIES each).
    for (let i = 0; i < 600; i += 1) wide.set({ k: `value-${i}` }, i);
    registry.summary({ name: 'am_after', help: 'After.' }).record({});
    const collection = await registry.collect();
    const options = { maxBytes: 4_096 };
    const bytes = await renderExpositionBytes(collection, options);
    const text = await renderExposition(collection, options);
    expect(bytes.leftOut.map((f) => f.metric)).toEqual(['am_wide']);
    expect(text.leftOut.map((f) => f.metric)).toEqual(['am_wide']);
    expect(Buffer.concat(bytes.parts).toString('utf8')).toBe(text.text);
    expect(Buffer.concat(bytes.parts).toString('utf8')).toContain('am_after_count 1.0');
  });
});
