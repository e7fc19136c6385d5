import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboards, dashboardQueries, toPromQL, type LiveQuery } from '../../scripts/dashboards.js';
import { grafanaRegexValue, labelValuesSelector } from '../../scripts/dashboards/queries.js';
import { run } from '../support/prometheus-tools.js';

// The dashboards' job, instance and pod variables on made-up series of two environments, evaluated by
// `promtool test rules` as Grafana would send the queries: the values picked written in, the rest All.

const TMP = mkdtempSync(join(tmpdir(), 'am-variables-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const EVAL_AT = '30m';
/** Rates over 5 minutes: the series below have one sample a minute. */
const WINDOW = '5m';
/** A counter rising by `n` each second for 40 minutes, sampled every minute. */
const perSecond = (n: number): string => `0+${n * 60}x40`;

/**
 * Logins of two environments, each a job: `am-eu` on Kubernetes (one pod per target) and `am-us`
 * self-hosted (no pod label, told apart by the instance). Rates are powers of two, so each sum names
 * the servers it added up.
 */
const SERIES: Readonly<Record<string, string>> = {
  'am_authentication_count{job="am-eu", instance="10.0.0.1:8080", kubernetes_pod_name="am-0", outcome="success"}': perSecond(1),
  'am_authentication_count{job="am-eu", instance="10.0.0.2:8080", kubernetes_pod_name="am-1", outcome="success"}': perSecond(2),
  'am_authentication_count{job="am-us", instance="am-a.example:8080", outcome="success"}': perSecond(4),
  'am_authentication_count{job="am-us", instance="am-b.example:8080", outcome="success"}': perSecond(8),
  // Matches `10.0.0.1` as an unescaped regex: Grafana's escaping of the picked instance keeps it out.
  'am_authentication_count{job="am-eu", instance="10a0b0c1:8080", kubernetes_pod_name="am-2", outcome="success"}': perSecond(16),
};

const OVERVIEW = dashboards().find((d) => d.uid === 'am-overview');
if (OVERVIEW === undefined) throw new Error('no am-overview dashboard');
const QUERIES = dashboardQueries(OVERVIEW);
const query = (kind: LiveQuery['kind'], name: string): LiveQuery => {
  const found = QUERIES.find((q) => q.kind === kind && q.name === name);
  if (found === undefined) throw new Error(`am-overview has no ${kind} ${name}`);
  return found;
};

type Values = Readonly<Record<string, readonly string[]>>;

async function evaluate(name: string, expr: string, samples: readonly { labels: string; value: number }[]): Promise<string> {
  const file = join(TMP, `${name.replace(/\W+/g, '-')}.test.yml`);
  const series = Object.entries(SERIES).map(([s, values]) => ({ series: s, values }));
  // JSON is YAML, so promtool reads this as written.
  const tests = [{ interval: '1m', input_series: series, promql_expr_test: [{ expr, eval_time: EVAL_AT, exp_samples: samples }] }];
  writeFileSync(file, JSON.stringify({ evaluation_interval: '1m', tests }, null, 2));
  const result = await run('promtool', ['test', 'rules', file]);
  return result.stdout + result.stderr;
}

describe("grafanaRegexValue, Grafana's writing of a multi-value selection", () => {
  it.each([
    [[], '.*'],
    [['am-eu'], 'am-eu'],
    [['10.0.0.1:8080'], '10\\\\.0\\\\.0\\\\.1:8080'],
    [['am-eu', 'am-us'], '(am-eu|am-us)'],
    [['a|b', 'c\\d'], '(a\\\\|b|c\\\\\\\\d)'],
  ])('writes %j as %s', (values, text) => {
    expect(grafanaRegexValue(values)).toBe(text);
  });
});

describe('the job, instance and pod variables, under promtool test rules', () => {
  // The overview's Logins stat: every login per second across the selected servers.
  const logins = query('panel', 'Logins / A');

  it.each<[string, Values, number]>([
    ['All of each adds up every server of every job', {}, 31],
    ['one job: only its servers, not the other environment', { job: ['am-us'] }, 12],
    ['the Kubernetes job', { job: ['am-eu'] }, 19],
    ['both jobs picked', { job: ['am-eu', 'am-us'] }, 31],
    ['one self-hosted server: its instance, though it has no pod label', { job: ['am-us'], instance: ['am-b.example:8080'] }, 8],
    ['an instance whose dots Grafana escapes', { instance: ['10.0.0.1:8080'] }, 1],
    ['one pod, every job and instance', { pod: ['am-1'] }, 2],
    ['a pod of another job than the one picked: nothing', { job: ['am-us'], pod: ['am-1'] }, Number.NaN],
  ])('Logins: %s', async (name, values, expected) => {
    const expr = `round(${toPromQL(logins.expr, { rateInterval: WINDOW, values })})`;
    const samples = Number.isNaN(expected) ? [] : [{ labels: '{}', value: expected }];
    expect(await evaluate(name, expr, samples)).toContain('SUCCESS');
  });

  it.each<[string, string, Values, readonly string[]]>([
    ['job lists both environments', 'job', {}, ['am-eu', 'am-us']],
    ["instance lists the picked job's targets only", 'instance', { job: ['am-us'] }, ['am-a.example:8080', 'am-b.example:8080']],
    ['pod lists no pod for a self-hosted job', 'pod', { job: ['am-us'] }, []],
    ["pod lists the picked instance's pod only", 'pod', { job: ['am-eu'], instance: ['10.0.0.2:8080'] }, ['am-1']],
    ['pod lists every pod of the Kubernetes job under All instances', 'pod', { job: ['am-eu'] }, ['am-0', 'am-1', 'am-2']],
  ])('variables: %s', async (name, variable, values, listed) => {
    const definition = query('variable', variable).expr;
    const label = /,\s*(\w+)\)$/.exec(definition)?.[1] ?? '';
    const selector = toPromQL(labelValuesSelector(definition) ?? '', { values });
    // label_values lists the label's non-empty values on the selected series.
    const nonEmpty = `${label}!=""`;
    const expr = `group by (${label}) (${selector.endsWith('}') ? `${selector.slice(0, -1)}, ${nonEmpty}}` : `${selector}{${nonEmpty}}`})`;
    const samples = listed.map((v) => ({ labels: `{${label}="${v}"}`, value: 1 }));
    expect(await evaluate(name, expr, samples)).toContain('SUCCESS');
  });
});
