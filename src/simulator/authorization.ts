// The simulated policy engine: evaluations for web agents, OAuth 2.0 scopes and an API policy set,
// with the actions they allow or deny and the advice they return, rare policy changes by
// administrators, and the subject cache.
import type { ActionOutcome, PolicyOperation } from '../index.js';
import type { SimulatedPart, SimulationContext } from './context.js';
import type { Weighted } from './random.js';

const EVALUATIONS_PER_LOGIN = 3;
const EVALUATION_MEDIAN_SECONDS = 0.0025;
const BASE_FAILURE = 0.002;
/** Administrators change policies this often, whatever the traffic (per second). */
const POLICY_CHANGES_PER_SECOND = 0.005;
/** Subject memberships the cache holds at most, how long one stays, and the share of evaluations that add one. */
export const SUBJECT_CACHE_CAPACITY = 10_000;
const SUBJECT_TTL_SECONDS = 600;
const NEW_SUBJECT_SHARE = 0.2;

interface PolicySet {
  readonly name: string;
  /** Action types requested, with weights. */
  readonly actions: Weighted<string>;
  readonly allowShare: number;
  /** Share of denials that come with advice (step-up authentication and the like). */
  readonly adviceShare: number;
}

const POLICY_SETS: Weighted<PolicySet> = [
  [
    {
      name: 'iPlanetAMWebAgentService',
      actions: [
        ['GET', 75],
        ['POST', 25],
      ],
      allowShare: 0.92,
      adviceShare: 0.4,
    },
    65,
  ],
  [{ name: 'oauth2Scopes', actions: [['GRANT', 1]], allowShare: 0.97, adviceShare: 0 }, 30],
  [
    {
      name: 'PaymentsAPI',
      actions: [
        ['READ', 60],
        ['MODIFY', 30],
        ['DELEGATE', 10],
      ],
      allowShare: 0.85,
      adviceShare: 0.6,
    },
    5,
  ],
];
const ADVICE: Weighted<string> = [
  ['AuthLevelConditionAdvice', 50],
  ['AuthenticateToRealmAdvice', 20],
  ['AuthSchemeConditionAdvice', 20],
  ['AuthenticateToServiceConditionAdvice', 10],
];
const POLICY_OPERATIONS: Weighted<PolicyOperation> = [
  ['create', 40],
  ['update', 50],
  ['delete', 10],
];

/** Simulated policy engine. */
export class SimulatedAuthorization implements SimulatedPart {
  private subjects = 0;

  constructor(private readonly context: SimulationContext) {
    context.am.authorization.subjectCacheSize.track(() => Math.round(this.subjects));
  }

  warmUp(): void {
    const { am } = this.context;
    am.authorization.policyChange('update', 'iPlanetAMWebAgentService');
    this.evaluate({ name: 'iPlanetAMWebAgentService', actions: [['GET', 1]], allowShare: 1, adviceShare: 0 });
    am.authorization.advice('iPlanetAMWebAgentService', 'AuthLevelConditionAdvice');
  }

  step(seconds: number): void {
    const { am, conditions, random } = this.context;
    for (let n = conditions.events(POLICY_CHANGES_PER_SECOND, seconds); n > 0; n -= 1) {
      am.authorization.policyChange(random.pick(POLICY_OPERATIONS), random.pick(POLICY_SETS).name);
    }
    const evaluations = this.context.perLogin(EVALUATIONS_PER_LOGIN, seconds);
    for (let n = evaluations; n > 0; n -= 1) this.evaluate(random.pick(POLICY_SETS));
    const added = random.poisson(evaluations * NEW_SUBJECT_SHARE * (1 - this.subjects / SUBJECT_CACHE_CAPACITY));
    this.subjects = Math.min(SUBJECT_CACHE_CAPACITY, this.subjects * Math.exp(-seconds / SUBJECT_TTL_SECONDS) + added);
  }

  private evaluate(policySet: PolicySet): void {
    const { am, random } = this.context;
    const seconds = this.context.latency(EVALUATION_MEDIAN_SECONDS, this.context.conditions.serviceLatency, 0.7);
    const outcome = this.context.outcome(BASE_FAILURE);
    am.authorization.evaluation(policySet.name, seconds, outcome);
    if (outcome === 'failure') return;
    const decision: ActionOutcome = random.chance(policySet.allowShare) ? 'allow' : 'deny';
    am.authorization.action(policySet.name, random.pick(policySet.actions), decision);
    if (decision === 'deny' && random.chance(policySet.adviceShare)) am.authorization.advice(policySet.name, random.pick(ADVICE));
  }
}
