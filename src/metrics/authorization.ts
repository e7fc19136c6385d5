// Authorization family: policy changes, policy evaluations with their actions and advice, and the
// subject cache. Policy sets, action types and advice types are open sets, capped by the registry.
import { METRICS, type ActionOutcome, type Outcome, type PolicyOperation } from './catalog.js';
import type { InstalledCatalog, SpecLabels, StateGauge } from './install.js';
import { timeOutcome } from './timing.js';

/** Records what AM's policy engine does. */
export interface AuthorizationMetrics {
  /** A policy was created, updated or deleted in `policySet`. */
  policyChange(operation: PolicyOperation, policySet: string): void;
  /** A policy evaluation in `policySet` took `seconds` and ended with `outcome`. */
  evaluation(policySet: string, seconds: number, outcome: Outcome): void;
  /** Runs and times an evaluation; success if it resolves, failure if it throws. */
  timeEvaluation<T>(policySet: string, evaluate: () => T | Promise<T>): Promise<T>;
  /** An evaluation returned `actionType` (GET, POST, …) as allowed or denied. */
  action(policySet: string, actionType: string, outcome: ActionOutcome): void;
  /** An evaluation returned advice of `adviceType` (e.g. AuthLevelConditionAdvice). */
  advice(policySet: string, adviceType: string): void;
  /** Subject membership relationships cached; set it or `track` a function read at each scrape. */
  readonly subjectCacheSize: StateGauge<SpecLabels<typeof METRICS.subjectCacheSize>>;
}

export function authorizationMetrics(catalog: InstalledCatalog): AuthorizationMetrics {
  const changes = catalog.summary(METRICS.policyChanges);
  const evaluations = catalog.timer(METRICS.policyEvaluations);
  const actions = catalog.summary(METRICS.policyActions);
  const advices = catalog.summary(METRICS.policyAdvice);
  const evaluationLabels = (policySet: string, outcome: Outcome) => ({ outcome, policy_set: policySet });
  const evaluation = (policySet: string, seconds: number, outcome: Outcome): void => evaluations.observe(evaluationLabels(policySet, outcome), seconds);
  return {
    policyChange: (operation, policySet) => changes.record({ operation, policy_set: policySet }),
    evaluation,
    timeEvaluation: (policySet, evaluate) => timeOutcome(catalog.registry.clock, evaluations, (outcome) => evaluationLabels(policySet, outcome), evaluate),
    action: (policySet, actionType, outcome) => actions.record({ action_type: actionType, outcome, policy_set: policySet }),
    advice: (policySet, adviceType) => advices.record({ advice_type: adviceType, policy_set: policySet }),
    subjectCacheSize: catalog.gauge(METRICS.subjectCacheSize),
  };
}
