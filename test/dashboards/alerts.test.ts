import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveQueries } from '../../scripts/dashboards.js';
import { ALERTS } from '../../scripts/dashboards/rules.js';
import { run } from '../support/prometheus-tools.js';
import { ROOT, RULES_DIR, filesIn } from './committed.js';
import { analyse } from './promql-analysis.js';

// The alerts' behaviour on made-up series, checked by `promtool test rules` against the committed rule
// files: recording rules and alerts evaluated together, every minute, as Prometheus would.

const TMP = mkdtempSync(join(tmpdir(), 'am-alerts-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const POD = 'job="am", kubernetes_pod_name="am-0"';
/** A counter rising by `perMinute` each minute for 40 minutes: a rate of perMinute/60 per second. */
const perMinute = (n: number): string => `0+${n}x40`;
/** A counter rising by one every `n` minutes for 40 minutes: a failure now and then. */
const oncePer = (n: number): string => Array.from({ length: 41 }, (_, minute) => Math.floor(minute / n)).join(' ');
const EVAL_AT = '30m';
/** Two self-hosted AM servers of one job: no kubernetes_pod_name, told apart by Prometheus's instance. */
const SERVER_A = 'job="am", instance="am-a:8080"';
const SERVER_B = 'job="am", instance="am-b:8080"';
type Labels = Record<string, string>;

/**
 * An annotation as Prometheus expands it, given the alert's labels and its value already humanized:
 * `{{ if $labels.x }}A{{ else }}B{{ end }}`, then `{{ $labels.x }}` and `{{ $value | f }}`.
 */
function expand(template: string, labels: Labels, value: string): string {
  return template
    .replace(/\{\{ if \$labels\.(\w+) \}\}(.*?)\{\{ else \}\}(.*?)\{\{ end \}\}/g, (_m, name: string, then: string, otherwise: string) =>
      labels[name] ? then : otherwise,
    )
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, name: string) => labels[name] ?? '')
    .replace(/\{\{ \$value \| \w+ \}\}/g, value);
}

/** The alert `name` at `severity` as promtool should report it. */
function firing(name: string, severity: 'warning' | 'critical', labels: Labels, value = ''): object {
  const rule = ALERTS.find((a) => a.alert === name && a.labels.severity === severity);
  if (rule === undefined) throw new Error(`no ${severity} ${name}`);
  const annotations = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, expand(v, labels, value)]));
  return { exp_labels: { ...labels, severity }, exp_annotations: annotations };
}

interface Scenario {
  readonly series: Readonly<Record<string, string>>;
  readonly alert: string;
  readonly expected: readonly object[];
}

const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'one login in four fails: authentication warning only': {
    series: { [`am_authentication_count{${POD}, outcome="success"}`]: perMinute(45), [`am_authentication_count{${POD}, outcome="failure"}`]: perMinute(15) },
    alert: 'AMAuthenticationFailureRatioHigh',
    expected: [firing('AMAuthenticationFailureRatioHigh', 'warning', { job: 'am' }, '25%')],
  },
  'two logins in three fail: authentication warning and critical': {
    series: { [`am_authentication_count{${POD}, outcome="success"}`]: perMinute(20), [`am_authentication_count{${POD}, outcome="failure"}`]: perMinute(40) },
    alert: 'AMAuthenticationFailureRatioHigh',
    expected: [
      firing('AMAuthenticationFailureRatioHigh', 'warning', { job: 'am' }, '66.67%'),
      firing('AMAuthenticationFailureRatioHigh', 'critical', { job: 'am' }, '66.67%'),
    ],
  },
  'half of two logins a minute fail: too few logins to alert': {
    series: { [`am_authentication_count{${POD}, outcome="success"}`]: perMinute(1), [`am_authentication_count{${POD}, outcome="failure"}`]: perMinute(1) },
    alert: 'AMAuthenticationFailureRatioHigh',
    expected: [],
  },
  'one CTS operation in twenty fails': {
    series: {
      [`am_cts_task_count{${POD}, operation="read", outcome="success", token_type="session"}`]: perMinute(57),
      [`am_cts_task_count{${POD}, operation="read", outcome="failure", token_type="session"}`]: perMinute(3),
    },
    alert: 'AMCtsTaskFailureRatioHigh',
    expected: [firing('AMCtsTaskFailureRatioHigh', 'warning', { job: 'am' }, '5%')],
  },
  'a slow CTS on a busy pod, and a frozen quantile on an idle one': {
    series: {
      [`am_cts_task_seconds{${POD}, operation="read", outcome="success", token_type="session", quantile="0.99"}`]: '0.8x40',
      [`am_cts_task_count{${POD}, operation="read", outcome="success", token_type="session"}`]: perMinute(60),
      'am_cts_task_seconds{job="am", kubernetes_pod_name="am-1", operation="read", outcome="success", token_type="session", quantile="0.99"}': '0.8x40',
      'am_cts_task_count{job="am", kubernetes_pod_name="am-1", operation="read", outcome="success", token_type="session"}': '100x40',
    },
    alert: 'AMCtsTaskLatencyHigh',
    expected: [firing('AMCtsTaskLatencyHigh', 'warning', { job: 'am', kubernetes_pod_name: 'am-0' }, '800ms')],
  },
  // Self-hosted AM writes no kubernetes_pod_name: Prometheus's `instance` tells its servers apart.
  'self-hosted AM: a slow CTS on one busy server, named by its instance': {
    series: {
      'am_cts_task_seconds{job="am", instance="am-a:8080", operation="read", outcome="success", token_type="session", quantile="0.99"}': '0.01x40',
      'am_cts_task_count{job="am", instance="am-a:8080", operation="read", outcome="success", token_type="session"}': perMinute(60),
      'am_cts_task_seconds{job="am", instance="am-b:8080", operation="read", outcome="success", token_type="session", quantile="0.99"}': '0.8x40',
      'am_cts_task_count{job="am", instance="am-b:8080", operation="read", outcome="success", token_type="session"}': perMinute(60),
    },
    alert: 'AMCtsTaskLatencyHigh',
    expected: [firing('AMCtsTaskLatencyHigh', 'warning', { job: 'am', instance: 'am-b:8080' }, '800ms')],
  },
  'self-hosted AM: a frozen quantile on an idle server while another serves CTS traffic': {
    series: {
      'am_cts_task_seconds{job="am", instance="am-a:8080", operation="read", outcome="success", token_type="session", quantile="0.99"}': '0.8x40',
      'am_cts_task_count{job="am", instance="am-a:8080", operation="read", outcome="success", token_type="session"}': '100x40',
      'am_cts_task_seconds{job="am", instance="am-b:8080", operation="read", outcome="success", token_type="session", quantile="0.99"}': '0.01x40',
      'am_cts_task_count{job="am", instance="am-b:8080", operation="read", outcome="success", token_type="session"}': perMinute(60),
    },
    alert: 'AMCtsTaskLatencyHigh',
    expected: [],
  },
  'self-hosted AM: two slow servers of one job raise one alert each': {
    series: {
      [`am_cts_task_seconds{${SERVER_A}, operation="read", outcome="success", token_type="session", quantile="0.99"}`]: '0.8x40',
      [`am_cts_task_count{${SERVER_A}, operation="read", outcome="success", token_type="session"}`]: perMinute(60),
      [`am_cts_task_seconds{${SERVER_B}, operation="read", outcome="success", token_type="session", quantile="0.99"}`]: '0.9x40',
      [`am_cts_task_count{${SERVER_B}, operation="read", outcome="success", token_type="session"}`]: perMinute(60),
    },
    alert: 'AMCtsTaskLatencyHigh',
    expected: [
      firing('AMCtsTaskLatencyHigh', 'warning', { job: 'am', instance: 'am-a:8080' }, '800ms'),
      firing('AMCtsTaskLatencyHigh', 'warning', { job: 'am', instance: 'am-b:8080' }, '900ms'),
    ],
  },
  // At one operation a minute, each 5-minute window holds one failure among six operations: a 17% ratio
  // that says nothing about the CTS. Before the minimum-traffic guard this fired warning and critical.
  'a quiet server: one CTS failure every five minutes at one operation a minute: too little traffic to alert': {
    series: {
      [`am_cts_task_count{${POD}, operation="read", outcome="success", token_type="session"}`]: perMinute(1),
      [`am_cts_task_count{${POD}, operation="read", outcome="failure", token_type="session"}`]: oncePer(5),
    },
    alert: 'AMCtsTaskFailureRatioHigh',
    expected: [],
  },
  'one CTS operation in five fails at one operation a second: warning and critical': {
    series: {
      [`am_cts_task_count{${POD}, operation="read", outcome="success", token_type="session"}`]: perMinute(48),
      [`am_cts_task_count{${POD}, operation="read", outcome="failure", token_type="session"}`]: perMinute(12),
    },
    alert: 'AMCtsTaskFailureRatioHigh',
    expected: [firing('AMCtsTaskFailureRatioHigh', 'warning', { job: 'am' }, '20%'), firing('AMCtsTaskFailureRatioHigh', 'critical', { job: 'am' }, '20%')],
  },
  'CTS traffic just under the minimum, one operation in eight failing: silent': {
    series: {
      [`am_cts_task_count{${POD}, operation="read", outcome="success", token_type="session"}`]: perMinute(21),
      [`am_cts_task_count{${POD}, operation="read", outcome="failure", token_type="session"}`]: perMinute(3),
    },
    alert: 'AMCtsTaskFailureRatioHigh',
    expected: [],
  },
  'CTS traffic just over the minimum, one operation in eight failing: warning and critical': {
    series: {
      [`am_cts_task_count{${POD}, operation="read", outcome="success", token_type="session"}`]: perMinute(35),
      [`am_cts_task_count{${POD}, operation="read", outcome="failure", token_type="session"}`]: perMinute(5),
    },
    alert: 'AMCtsTaskFailureRatioHigh',
    expected: [firing('AMCtsTaskFailureRatioHigh', 'warning', { job: 'am' }, '12.5%'), firing('AMCtsTaskFailureRatioHigh', 'critical', { job: 'am' }, '12.5%')],
  },
  'a quiet server: one policy evaluation failure every five minutes at one a minute: too little traffic to alert': {
    series: {
      [`am_authorization_policy_set_evaluate_count{${POD}, outcome="success", policy_set="oauth2Scopes"}`]: perMinute(1),
      [`am_authorization_policy_set_evaluate_count{${POD}, outcome="failure", policy_set="oauth2Scopes"}`]: oncePer(5),
    },
    alert: 'AMPolicyEvaluationFailureRatioHigh',
    expected: [],
  },
  'policy evaluations just under the minimum, one in five failing: silent': {
    series: {
      [`am_authorization_policy_set_evaluate_count{${POD}, outcome="success", policy_set="oauth2Scopes"}`]: perMinute(4),
      [`am_authorization_policy_set_evaluate_count{${POD}, outcome="failure", policy_set="oauth2Scopes"}`]: perMinute(1),
    },
    alert: 'AMPolicyEvaluationFailureRatioHigh',
    expected: [],
  },
  'policy evaluations just over the minimum, one in eight failing: warning': {
    series: {
      [`am_authorization_policy_set_evaluate_count{${POD}, outcome="success", policy_set="oauth2Scopes"}`]: perMinute(7),
      [`am_authorization_policy_set_evaluate_count{${POD}, outcome="failure", policy_set="oauth2Scopes"}`]: perMinute(1),
    },
    alert: 'AMPolicyEvaluationFailureRatioHigh',
    expected: [firing('AMPolicyEvaluationFailureRatioHigh', 'warning', { job: 'am' }, '12.5%')],
  },
  'one policy evaluation in ten fails': {
    series: {
      [`am_authorization_policy_set_evaluate_count{${POD}, outcome="success", policy_set="oauth2Scopes"}`]: perMinute(54),
      [`am_authorization_policy_set_evaluate_count{${POD}, outcome="failure", policy_set="oauth2Scopes"}`]: perMinute(6),
    },
    alert: 'AMPolicyEvaluationFailureRatioHigh',
    expected: [firing('AMPolicyEvaluationFailureRatioHigh', 'warning', { job: 'am' }, '10%')],
  },
  'denylist searches fail once a second': {
    series: { [`am_blacklist_cts_search_count{${POD}, blacklist_type="oauth2", outcome="failure"}`]: perMinute(60) },
    alert: 'AMDenylistSearchFailures',
    expected: [firing('AMDenylistSearchFailures', 'warning', { job: 'am', blacklist_type: 'oauth2' }, '1')],
  },
  'an AM target cannot be scraped': {
    series: { 'up{job="am", instance="am-0:8080"}': '0x40' },
    alert: 'AMTargetDown',
    expected: [firing('AMTargetDown', 'critical', { job: 'am', instance: 'am-0:8080' })],
  },
  'Prometheus scrapes no AM target': {
    series: { 'up{job="prometheus", instance="localhost:9090"}': '1x40' },
    alert: 'AMTargetsAbsent',
    expected: [firing('AMTargetsAbsent', 'critical', {})],
  },
  'AM is up but no authentication metric arrives': {
    series: { 'up{job="am", instance="am-0:8080"}': '1x40' },
    alert: 'AMMetricsAbsent',
    expected: [firing('AMMetricsAbsent', 'warning', {})],
  },
};

/** Recorded series checked by value; `round` keeps float noise from extrapolated rates out. */
const RECORDED: readonly { name: string; series: Readonly<Record<string, string>>; expr: string; samples: readonly { labels: string; value: number }[] }[] = [
  {
    name: 'a failure ratio is 0, not missing, when nothing failed',
    series: { [`am_cts_task_count{${POD}, operation="read", outcome="success", token_type="session"}`]: perMinute(60) },
    expr: 'job:am_cts_task_failure:ratio_rate5m',
    samples: [{ labels: 'job:am_cts_task_failure:ratio_rate5m{job="am"}', value: 0 }],
  },
  {
    name: 'mean latency reads _seconds_sum, or the legacy _seconds_total',
    series: {
      [`am_cts_task_seconds_sum{${POD}, operation="read", outcome="success", token_type="session"}`]: perMinute(6),
      [`am_cts_task_count{${POD}, operation="read", outcome="success", token_type="session"}`]: perMinute(60),
      'am_cts_task_seconds_total{job="am", kubernetes_pod_name="am-1", operation="read", outcome="success", token_type="session"}': perMinute(12),
      'am_cts_task_count{job="am", kubernetes_pod_name="am-1", operation="read", outcome="success", token_type="session"}': perMinute(60),
    },
    expr: 'round(job_instance_pod_operation:am_cts_task_seconds:mean5m * 1000)',
    samples: [
      { labels: `{${POD}, operation="read"}`, value: 100 },
      { labels: '{job="am", kubernetes_pod_name="am-1", operation="read"}', value: 200 },
    ],
  },
  {
    name: 'self-hosted AM: two servers of one job keep one login rate each',
    series: {
      [`am_authentication_count{${SERVER_A}, outcome="success"}`]: perMinute(60),
      [`am_authentication_count{${SERVER_B}, outcome="success"}`]: perMinute(120),
    },
    expr: 'round(job_instance_pod_outcome:am_authentication_count:rate5m)',
    samples: [
      { labels: `{${SERVER_A}, outcome="success"}`, value: 1 },
      { labels: `{${SERVER_B}, outcome="success"}`, value: 2 },
    ],
  },
  {
    name: 'self-hosted AM: two servers of one job keep one CTS rate and one mean latency each',
    series: {
      [`am_cts_task_count{${SERVER_A}, operation="read", outcome="success", token_type="session"}`]: perMinute(60),
      [`am_cts_task_seconds_sum{${SERVER_A}, operation="read", outcome="success", token_type="session"}`]: perMinute(6),
      [`am_cts_task_count{${SERVER_B}, operation="read", outcome="success", token_type="session"}`]: perMinute(120),
      [`am_cts_task_seconds_sum{${SERVER_B}, operation="read", outcome="success", token_type="session"}`]: perMinute(36),
    },
    expr: 'round(job_instance_pod_operation_outcome:am_cts_task_count:rate5m) or round(job_instance_pod_operation:am_cts_task_seconds:mean5m * 1000)',
    samples: [
      { labels: `{${SERVER_A}, operation="read", outcome="success"}`, value: 1 },
      { labels: `{${SERVER_B}, operation="read", outcome="success"}`, value: 2 },
      { labels: `{${SERVER_A}, operation="read"}`, value: 100 },
      { labels: `{${SERVER_B}, operation="read"}`, value: 300 },
    ],
  },
  {
    name: 'self-hosted AM: two servers of one job keep one session cache hit ratio each',
    series: {
      [`am_session_cts_based_cache_count{${SERVER_A}, outcome="hit"}`]: perMinute(60),
      [`am_session_cts_based_cache_count{${SERVER_B}, outcome="hit"}`]: perMinute(15),
      [`am_session_cts_based_cache_count{${SERVER_B}, outcome="miss"}`]: perMinute(45),
    },
    expr: 'round(job_instance_pod:am_session_cts_based_cache_hit:ratio_rate5m * 100)',
    samples: [
      { labels: `{${SERVER_A}}`, value: 100 },
      { labels: `{${SERVER_B}}`, value: 25 },
    ],
  },
  {
    name: 'the job CTS rate that guards the failure ratio alert adds up every server of the job',
    series: {
      [`am_cts_task_count{${SERVER_A}, operation="read", outcome="success", token_type="session"}`]: perMinute(60),
      [`am_cts_task_count{${SERVER_B}, operation="read", outcome="failure", token_type="session"}`]: perMinute(120),
    },
    expr: 'round(job:am_cts_task_count:rate5m)',
    samples: [{ labels: '{job="am"}', value: 3 }],
  },
  {
    name: 'the job policy evaluation rate that guards the failure ratio alert adds up every server of the job',
    series: {
      [`am_authorization_policy_set_evaluate_count{${SERVER_A}, outcome="success", policy_set="oauth2Scopes"}`]: perMinute(30),
      [`am_authorization_policy_set_evaluate_count{${SERVER_B}, outcome="failure", policy_set="oauth2Scopes"}`]: perMinute(90),
    },
    expr: 'round(job:am_authorization_policy_set_evaluate_count:rate5m)',
    samples: [{ labels: '{job="am"}', value: 2 }],
  },
  {
    name: 'session operation rates leave out the timeouts that share am_session_count',
    series: {
      [`am_session_count{${POD}, operation="create", outcome="success", session_type="cts-based"}`]: perMinute(60),
      [`am_session_count{${POD}, operation="idle-timeout", session_type="cts-based"}`]: perMinute(60),
    },
    expr: 'round(job_instance_pod_operation_outcome:am_session_count:rate5m)',
    samples: [{ labels: `{${POD}, operation="create", outcome="success"}`, value: 1 }],
  },
];

const inputSeries = (series: Readonly<Record<string, string>>): object[] => Object.entries(series).map(([s, values]) => ({ series: s, values }));

async function promtoolTest(name: string, test: object): Promise<{ code: number | null; output: string }> {
  const file = join(TMP, `${name.replace(/\W+/g, '-')}.test.yml`);
  const ruleFiles = filesIn(RULES_DIR, '.yml').map((path) => join(ROOT, path));
  // JSON is YAML, so promtool reads this as written.
  writeFileSync(file, JSON.stringify({ rule_files: ruleFiles, evaluation_interval: '1m', tests: [{ interval: '1m', ...test }] }, null, 2));
  const result = await run('promtool', ['test', 'rules', file]);
  return { code: result.code, output: result.stdout + result.stderr };
}

describe('the AM alerts, under promtool test rules', () => {
  it.each(Object.entries(SCENARIOS))('%s', async (name, scenario) => {
    const result = await promtoolTest(name, {
      input_series: inputSeries(scenario.series),
      alert_rule_test: [{ eval_time: EVAL_AT, alertname: scenario.alert, exp_alerts: scenario.expected }],
    });
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it.each(RECORDED.map((r) => [r.name, r] as const))('%s', async (name, recorded) => {
    const result = await promtoolTest(name, {
      input_series: inputSeries(recorded.series),
      promql_expr_test: [{ expr: recorded.expr, eval_time: EVAL_AT, exp_samples: recorded.samples }],
    });
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('covers every alert', () => {
    expect(new Set(Object.values(SCENARIOS).map((s) => s.alert))).toEqual(new Set(ALERTS.map((a) => a.alert)));
  });
});

describe('the AM rules', () => {
  it('group by instance wherever they group by pod, so self-hosted servers (no pod label) stay apart', () => {
    const rules = liveQueries().filter((q) => q.kind === 'recording' || q.kind === 'alert');
    const merging = rules.flatMap((q) =>
      analyse(q.promql)
        .aggregations.filter((a) => a.by?.includes('kubernetes_pod_name') === true && !a.by.includes('instance'))
        .map((a) => `${q.name}: ${a.op} by (${a.by?.join(', ') ?? ''})`),
    );
    expect(rules.some((q) => q.promql.includes('by (job, instance, kubernetes_pod_name'))).toBe(true);
    expect(merging).toEqual([]);
  });
});
