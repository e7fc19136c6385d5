// The Prometheus rules shipped with the dashboards: recording rules for the heavier expressions and
// alerts built on them, every name taken from the catalogue. YAML writing is rule-file.ts's job.
import { METRICS } from '../../src/metrics/catalog.js';
import {
  INSTANCE_LABEL,
  POD_LABEL,
  SOURCE_LABELS,
  aggregate,
  countSample,
  eq,
  meanDuration,
  multiline,
  quantile,
  quantileSample,
  seriesRatio,
  sumRate,
  type CountedSpec,
  type Scope,
  type TimerSpec,
} from './promql.js';
import type { AlertingRule, RecordingRule, RuleFile } from './rule-file.js';

/** The range every recording rule rates over. */
export const RULE_WINDOW = '5m';
/** Jobs that scrape AM; `up` alerts look only at these. Change it here if yours are named otherwise. */
export const AM_JOB_MATCHER = 'job=~"am.*"';

/** Alert thresholds, shared with the overview's stat panels so their colours agree with the alerts. */
export const THRESHOLDS = {
  /** Share of authentication journeys that failed. */
  loginFailureRatio: { warning: 0.2, critical: 0.5 },
  /** Logins per second below which a failure ratio is too noisy to alert on. */
  minLoginRate: 0.1,
  /** Share of CTS operations that failed. */
  ctsFailureRatio: { warning: 0.01, critical: 0.1 },
  /**
   * CTS operations per second below which the failure ratio is too noisy to alert on. At this rate
   * one failure in a RULE_WINDOW is 1/150 of the operations, under the 1% warning, so a lone failure
   * never fires; a healthy AM does far more (every session and token lookup is one).
   */
  minCtsRate: 0.5,
  /** p99 latency of CTS operations on one pod (or self-hosted server), in seconds. */
  ctsP99Seconds: { warning: 0.5, critical: 2 },
  /** Share of policy evaluations that failed (errors, not denials). */
  policyFailureRatio: { warning: 0.05, critical: 0.2 },
  /**
   * Policy evaluations per second below which the failure ratio is too noisy to alert on, as for
   * logins: one failure in a RULE_WINDOW at this rate is 1/30 of the evaluations, under the 5% warning.
   */
  minPolicyEvaluationRate: 0.1,
} as const;

const RULES: Scope = { window: RULE_WINDOW, variables: {} };
/**
 * One AM process of a job: its pod on Kubernetes, its scraped instance for self-hosted AM (which writes
 * no pod label). Each pod is one scrape target, so on Kubernetes the instance adds no series.
 */
const PROCESS = SOURCE_LABELS;
const FAILURE = [eq('outcome', 'failure')];

/** `level:metric:operations`; the level lists the labels kept, `pod` standing for kubernetes_pod_name. */
function recordName(by: readonly string[], metric: string, operation: string): string {
  return `${by.map((label) => (label === POD_LABEL ? 'pod' : label)).join('_')}:${metric}:${operation}`;
}

function rateRecord(metric: CountedSpec, labels: readonly string[]): RecordingRule {
  const by = [...PROCESS, ...labels];
  return { record: recordName(by, countSample(metric), `rate${RULE_WINDOW}`), expr: sumRate(metric, RULES, by) };
}

function ratioRecord(source: RecordingRule, by: readonly string[], metric: string, part: readonly string[]): RecordingRule {
  return { record: recordName(by, metric, `ratio_rate${RULE_WINDOW}`), expr: multiline(seriesRatio(source.record, by, part)) };
}

function meanRecord(metric: TimerSpec, labels: readonly string[]): RecordingRule {
  const by = [...PROCESS, ...labels];
  return { record: recordName(by, quantileSample(metric), `mean${RULE_WINDOW}`), expr: multiline(meanDuration(metric, RULES, by)) };
}

/** A job's whole traffic from a per-process rate: what a ratio alert's minimum-traffic guard reads. */
function jobRateRecord(metric: CountedSpec, source: RecordingRule): RecordingRule {
  return { record: recordName(['job'], countSample(metric), `rate${RULE_WINDOW}`), expr: aggregate('sum', ['job'], source.record) };
}

const logins = rateRecord(METRICS.authentication, ['outcome']);
const jobLogins = jobRateRecord(METRICS.authentication, logins);
const loginFailureRatio = ratioRecord(logins, ['job'], 'am_authentication_failure', FAILURE);
const evaluations = rateRecord(METRICS.policyEvaluations, ['policy_set', 'outcome']);
const jobEvaluations = jobRateRecord(METRICS.policyEvaluations, evaluations);
const evaluationFailureRatio = ratioRecord(evaluations, ['job'], 'am_authorization_policy_set_evaluate_failure', FAILURE);
const denylistSearches = rateRecord(METRICS.denylistSearches, ['blacklist_type', 'outcome']);
const denylistCache = rateRecord(METRICS.denylistCache, ['blacklist_type', 'outcome']);
const ctsByOperation = rateRecord(METRICS.ctsTasks, ['operation', 'outcome']);
const jobCts = jobRateRecord(METRICS.ctsTasks, ctsByOperation);
const ctsFailureRatio = ratioRecord(ctsByOperation, ['job'], 'am_cts_task_failure', FAILURE);
const sessionCache = rateRecord(METRICS.sessionCache, ['outcome']);

/** Every recording rule, by family: the names the alerts below and any long-range view can read. */
export const RECORDING_GROUPS = [
  { name: 'am-authentication.rules', rules: [logins, jobLogins, loginFailureRatio] },
  {
    name: 'am-authorization.rules',
    rules: [evaluations, jobEvaluations, evaluationFailureRatio, meanRecord(METRICS.policyEvaluations, ['policy_set'])],
  },
  {
    name: 'am-denylist.rules',
    rules: [denylistSearches, denylistCache, ratioRecord(denylistCache, ['job', 'blacklist_type'], 'am_blacklist_cache_hit', [eq('outcome', 'hit')])],
  },
  {
    name: 'am-cts.rules',
    rules: [ctsByOperation, rateRecord(METRICS.ctsTasks, ['token_type', 'outcome']), jobCts, ctsFailureRatio, meanRecord(METRICS.ctsTasks, ['operation'])],
  },
  {
    name: 'am-oauth2.rules',
    rules: [
      rateRecord(METRICS.oauth2Grants, ['grant_type']),
      rateRecord(METRICS.oauth2TokensIssued, ['token_type']),
      rateRecord(METRICS.oauth2TokensRevoked, ['token_type']),
    ],
  },
  {
    name: 'am-session.rules',
    rules: [
      rateRecord(METRICS.sessionOperations, ['operation', 'outcome']),
      sessionCache,
      ratioRecord(sessionCache, PROCESS, 'am_session_cts_based_cache_hit', [eq('outcome', 'hit')]),
      meanRecord(METRICS.sessionLifetimes, ['session_type']),
    ],
  },
] as const;

const percent = (ratio: number): string => `${+(ratio * 100).toFixed(2)}%`;

/** What a ratio alert says: its subject ("CTS operation failure ratio") and what it counts. */
interface RatioWording {
  readonly subject: string;
  /** Completes "N% of …", e.g. "CTS operations failed". */
  readonly counted: string;
}

/** One alert at each severity: the same name, the critical one with its own threshold and delay. */
function ratioAlerts(
  name: string,
  expr: (threshold: number) => string,
  thresholds: { warning: number; critical: number },
  wording: RatioWording,
  forDurations: readonly [string, string],
): AlertingRule[] {
  return (['warning', 'critical'] as const).map((severity, i) => ({
    alert: name,
    expr: multiline(expr(thresholds[severity])),
    for: forDurations[i] ?? '10m',
    labels: { severity },
    annotations: {
      summary: `${wording.subject} above ${percent(thresholds[severity])} for {{ $labels.job }}`,
      description: `{{ $value | humanizePercentage }} of ${wording.counted} over the last ${RULE_WINDOW} (${severity} above ${percent(thresholds[severity])}).`,
    },
  }));
}

/** The process as an annotation names it: its pod, or its instance when it has no pod label. */
const PROCESS_NAME = `{{ if $labels.${POD_LABEL} }}{{ $labels.${POD_LABEL} }}{{ else }}{{ $labels.${INSTANCE_LABEL} }}{{ end }}`;

/** Timer quantiles are per process and cannot be combined: the slowest operation of one process, while it has traffic. */
const ctsP99 = (threshold: number): string =>
  `${quantile(METRICS.ctsTasks, '0.99', RULES, PROCESS)} > ${threshold} and on (${PROCESS.join(', ')}) ${aggregate('sum', PROCESS, ctsByOperation.record)} > 0`;

/** A job's ratio above `threshold`, only while the job has at least `minRate` events per second. */
const guardedRatio =
  (ratio: RecordingRule, jobRate: RecordingRule, minRate: number) =>
  (threshold: number): string =>
    `${ratio.record} > ${threshold} and on (job) ${jobRate.record} > ${minRate}`;

/** The alerts, by the condition an AM operator is paged or warned for. */
export const ALERTS: readonly AlertingRule[] = [
  {
    alert: 'AMTargetDown',
    expr: `up{${AM_JOB_MATCHER}} == 0`,
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'AM target {{ $labels.instance }} is down',
      description: 'Prometheus has not scraped {{ $labels.job }} target {{ $labels.instance }} for 5 minutes: its metrics, and every AM alert about it, are blind.',
    },
  },
  {
    alert: 'AMTargetsAbsent',
    expr: `absent(up{${AM_JOB_MATCHER}} == 1)`,
    for: '10m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'No AM target is up',
      description: `No target of a job matching ${AM_JOB_MATCHER} has been scraped successfully for 10 minutes: AM is down everywhere, or Prometheus no longer discovers it.`,
    },
  },
  {
    alert: 'AMMetricsAbsent',
    expr: `absent(${countSample(METRICS.authentication)})`,
    for: '15m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'No AM authentication metrics',
      description: `Prometheus has no ${countSample(METRICS.authentication)} series for 15 minutes: AM is not scraped or the scrape reads the wrong endpoint. am-metrics serves the authentication series from the start; an exporter that creates them at the first login has none before it.`,
    },
  },
  ...ratioAlerts(
    'AMAuthenticationFailureRatioHigh',
    guardedRatio(loginFailureRatio, jobLogins, THRESHOLDS.minLoginRate),
    THRESHOLDS.loginFailureRatio,
    { subject: 'Authentication failure ratio', counted: 'authentication journeys failed' },
    ['15m', '5m'],
  ),
  ...ratioAlerts(
    'AMCtsTaskFailureRatioHigh',
    guardedRatio(ctsFailureRatio, jobCts, THRESHOLDS.minCtsRate),
    THRESHOLDS.ctsFailureRatio,
    { subject: 'CTS operation failure ratio', counted: 'CTS operations failed' },
    ['10m', '5m'],
  ),
  ...(['warning', 'critical'] as const).map((severity): AlertingRule => ({
    alert: 'AMCtsTaskLatencyHigh',
    expr: multiline(ctsP99(THRESHOLDS.ctsP99Seconds[severity])),
    for: severity === 'warning' ? '15m' : '10m',
    labels: { severity },
    annotations: {
      summary: `CTS p99 latency is high on ${PROCESS_NAME}`,
      description: `The slowest CTS operation type on ${PROCESS_NAME} has a p99 latency of {{ $value | humanizeDuration }} (${severity} above ${THRESHOLDS.ctsP99Seconds[severity]}s) while it is serving CTS traffic.`,
    },
  })),
  ...ratioAlerts(
    'AMPolicyEvaluationFailureRatioHigh',
    guardedRatio(evaluationFailureRatio, jobEvaluations, THRESHOLDS.minPolicyEvaluationRate),
    THRESHOLDS.policyFailureRatio,
    { subject: 'Policy evaluation failure ratio', counted: 'policy evaluations failed' },
    ['10m', '5m'],
  ),
  {
    alert: 'AMDenylistSearchFailures',
    expr: `${aggregate('sum', ['job', 'blacklist_type'], `${denylistSearches.record}{${FAILURE.join(', ')}}`)} > 0`,
    for: '10m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'AM denylist searches of the CTS are failing ({{ $labels.blacklist_type }})',
      description:
        'CTS searches for {{ $labels.blacklist_type }} denylist entries have failed at {{ $value | humanize }} per second for 10 minutes: AM cannot confirm whether tokens were revoked.',
    },
  },
];

const HEADER = 'Generated by `npm run dashboards` from src/metrics/catalog.ts: edit scripts/dashboards/, not this file.';

/** The two rule files: recording rules, then alerts (which read the recorded series). */
export function ruleFiles(): readonly RuleFile[] {
  return [
    {
      path: 'grafana-dashboards/rules/am-recording.rules.yml',
      comment: `${HEADER}\nRecording rules for AM: level:metric:operations, where the level lists the labels kept ("pod" is\nkubernetes_pod_name; "instance" tells self-hosted servers apart) and every rate is over ${RULE_WINDOW}.\nThe alerts in am-alerts.rules.yml read these.`,
      groups: RECORDING_GROUPS,
    },
    {
      path: 'grafana-dashboards/rules/am-alerts.rules.yml',
      comment: `${HEADER}\nAlerts for AM. They read the recorded series of am-recording.rules.yml: load both files.`,
      groups: [{ name: 'am-alerts', rules: ALERTS }],
    },
  ];
}
