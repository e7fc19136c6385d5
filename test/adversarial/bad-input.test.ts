// Input that used to be accepted and then came out silently wrong: strings UTF-8 cannot carry, series
// a scraper cannot tell apart, names that clash in OpenMetrics, units written twice, options that
// switched a bound off. Each is refused with a typed error that names the culprit; nothing changes then.
import { describe, expect, it } from 'vitest';
import { InvalidLabelError, InvalidNameError, InvalidOptionError, InvalidValueError, MetricConflictError, Registry } from '../../src/index.js';
import { ServerConfigError } from '../../src/http/errors.js';
import { startServer } from '../../src/server.js';
import { parseExposition } from '../support/prometheus-tools.js';

const LONE_SURROGATES = ['a\uD800', 'a\uDBFF', 'a\uDC00', '\uDFFFb'];

describe('lone UTF-16 surrogates', () => {
  it.each(LONE_SURROGATES)('are refused in a label value (%j), leaving one series per value on the wire', async (value) => {
    const registry = new Registry();
    const summary = registry.summary({ name: 'am_x', help: 'X.', labelNames: ['user'] });
    summary.record({ user: 'a\uFFFD' });
    expect(() => summary.record({ user: value })).toThrow(InvalidLabelError);
    expect(() => summary.labels({ user: value })).toThrow(/label "user" is not well-formed text/);
    expect((await registry.metrics()).match(/^am_x_count/gm)).toHaveLength(1);
  });

  it.each(LONE_SURROGATES)('are refused in help text (%j)', (value) => {
    expect(() => new Registry().gauge({ name: 'am_g', help: value })).toThrow(InvalidNameError);
  });

  it.each(LONE_SURROGATES)('are refused in constant and default label values (%j)', (value) => {
    expect(() => new Registry().gauge({ name: 'am_g', help: 'G.', constLabels: { a: value } })).toThrow(InvalidNameError);
    expect(() => new Registry({ defaultLabels: { kubernetes_pod_name: value } })).toThrow(InvalidLabelError);
  });

  it('are refused as distinct values, which would otherwise all count as one', async () => {
    const registry = new Registry();
    const users = registry.distinctCounter({ name: 'am_users', help: 'Users.' });
    for (const value of LONE_SURROGATES) expect(() => users.add({}, value)).toThrow(InvalidValueError);
    users.add({}, 'a\uFFFD');
    users.add({}, 'b');
    expect(await registry.metrics()).toContain('am_users 2.0\n');
  });
});

describe('an empty label value beside an absent label', () => {
  it('is refused where a summary and a timer share a name, so no two series read as one', async () => {
    const registry = new Registry();
    const summary = registry.summary({ name: 'am_x', help: 'X.', labelNames: ['a'] });
    const timer = registry.timer({ name: 'am_x', help: 'X.', labelNames: ['a', 'b'] });
    summary.record({ a: '1' });
    expect(() => timer.observe({ a: '1', b: '' }, 0.1)).toThrow(/label "b" may not be empty/);
    timer.observe({ a: '1', b: 'x' }, 0.1);
    summary.record({ a: '' }); // `a` is a label both have: still one series each
    const counts = (await registry.metrics()).split('\n').filter((line) => line.startsWith('am_x_count'));
    const keys = counts.map((line) => line.replace(/ .*$/, '').replace(/,?[a-z_]+="",?/g, ','));
    expect(new Set(keys).size).toBe(counts.length);
  });

  it('refuses the sharing when the first metric already holds such a series', () => {
    const registry = new Registry();
    registry.timer({ name: 'am_x', help: 'X.', labelNames: ['a', 'b'] }).observe({ a: '1', b: '' }, 0.1);
    expect(() => registry.summary({ name: 'am_x', help: 'X.', labelNames: ['a'] })).toThrow(MetricConflictError);
    expect(registry.getMetrics()).toHaveLength(1);
  });

  it('is read the same by the official parser: the shared family stays distinct', async () => {
    const registry = new Registry();
    registry.summary({ name: 'am_x', help: 'X.', labelNames: ['a'] }).record({ a: '1' });
    registry.timer({ name: 'am_x', help: 'X.', labelNames: ['a', 'b'] }).observe({ a: '1', b: 'y' }, 0.2);
    const families = await parseExposition(await registry.metrics(), 'prometheus');
    const counts = families.flatMap((f) => f.samples).filter((s) => s.name === 'am_x_count');
    expect(new Set(counts.map((s) => JSON.stringify(s.labels))).size).toBe(2);
  });
});

describe('names that clash in OpenMetrics', () => {
  it.each([
    ['summary', 'am_z', 'gauge', 'am_z_created'],
    ['timer', 'am_t', 'gauge', 'am_t_created'],
    ['timer', 'am_t', 'distinct', 'am_t_seconds_created'],
    ['gauge', 'am_z_created', 'summary', 'am_z'],
    ['gauge', 'am_metrics_overflow_created', 'summary', 'am_unused'],
  ] as const)('refuses a %s %s beside a %s %s at registration', (firstKind, firstName, secondKind, secondName) => {
    const registry = new Registry();
    const register = (kind: string, name: string) => {
      if (kind === 'summary') registry.summary({ name, help: 'H.' });
      else if (kind === 'timer') registry.timer({ name, help: 'H.' });
      else if (kind === 'distinct') registry.distinctCounter({ name, help: 'H.' });
      else registry.gauge({ name, help: 'H.' });
    };
    if (firstName === 'am_metrics_overflow_created') {
      expect(() => register(firstKind, firstName)).toThrow(MetricConflictError);
      return;
    }
    register(firstKind, firstName);
    expect(() => register(secondKind, secondName)).toThrow(MetricConflictError);
  });
});

describe('a timer named with its unit', () => {
  it('is refused with a typed error suggesting the base name', () => {
    const registry = new Registry();
    expect(() => registry.timer({ name: 'am_login_seconds', help: 'Logins.' })).toThrow(InvalidNameError);
    expect(() => registry.timer({ name: 'am_login_seconds', help: 'Logins.' })).toThrow(/name it "am_login"/);
    expect(registry.getMetrics()).toHaveLength(0);
  });
});

describe('registry options', () => {
  it.each([
    ['maxSeriesPerMetric', Number.NaN],
    ['maxSeriesPerMetric', 0],
    ['maxSeriesPerMetric', -1],
    ['maxSeriesPerMetric', 1.5],
    ['maxSeriesPerMetric', '10'],
    ['collectTimeoutMs', Number.NaN],
    ['collectTimeoutMs', 0],
    ['collectTimeoutMs', -5],
    ['collectTimeoutMs', Infinity],
    ['collectTimeoutMs', 2 ** 31],
    ['maxSeries', 0],
    ['maxSeries', Number.NaN],
    ['maxLabelValueBytes', -1],
    ['maxLabelValueBytes', 0.5],
    ['now', 'yesterday'],
  ] as const)('refuses %s: %j with an InvalidOptionError naming both', (option, value) => {
    let thrown: unknown;
    try {
      new Registry({ [option]: value } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect((thrown as InvalidOptionError).option).toBe(option);
    expect((thrown as InvalidOptionError).message).toContain(`option ${option} `);
    expect((thrown as InvalidOptionError).message).toContain(typeof value === 'string' ? JSON.stringify(value) : String(value));
  });

  it.each([['abc'], [-1], [65_536], [80.5], [Number.NaN]])('startServer refuses port %j before listening', async (port) => {
    const start = startServer({ source: new Registry(), port: port as number, host: '127.0.0.1' });
    await expect(start).rejects.toThrow(ServerConfigError);
    await expect(start).rejects.toThrow(/^port: must be a whole number from 0 to 65535, got /);
  });

  it.each([[''], ['  ']])('startServer refuses host %j', async (host) => {
    await expect(startServer({ source: new Registry(), port: 0, host })).rejects.toThrow(/^host: /);
  });

  it('startServer refuses a source that cannot collect', async () => {
    await expect(startServer({ source: {} as never, port: 0, host: '127.0.0.1' })).rejects.toThrow(/^source: /);
  });
});
