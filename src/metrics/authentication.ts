// Authentication family: journeys completed by outcome, and unique identities that logged in.
import { AUTHENTICATION_OUTCOMES, METRICS, type AuthenticationOutcome } from './catalog.js';
import type { InstalledCatalog } from './install.js';

/** Records what AM's authentication journeys do. */
export interface AuthenticationMetrics {
  /** A journey completed with `outcome`. */
  outcome(outcome: AuthenticationOutcome): void;
  /** An identity (its universal id) logged in; each id counts once, per process. */
  uniqueUser(outcome: 'success', universalId: string): void;
  /** A completed login: `outcome`, and, when it succeeded, the identity as a unique user. */
  login(outcome: AuthenticationOutcome, universalId?: string): void;
}

export function authenticationMetrics(catalog: InstalledCatalog): AuthenticationMetrics {
  const outcomes = catalog.summary(METRICS.authentication);
  // Every outcome's series exists from the start at 0, as AIC serves `am_authentication_count{outcome="failure"} 0.0`
  // before the first failure: without it the first failure after a restart is a new series, which
  // rate() and increase() cannot see, and the failure-ratio alerts would miss it.
  for (const outcome of AUTHENTICATION_OUTCOMES) outcomes.declare({ outcome });
  const users = catalog.distinct(METRICS.authenticationUniqueUsers);
  const uniqueUser = (outcome: 'success', universalId: string): void => users.add({ outcome }, universalId);
  return {
    outcome: (outcome) => outcomes.record({ outcome }),
    uniqueUser,
    login(outcome, universalId) {
      outcomes.record({ outcome });
      if (outcome === 'success' && universalId !== undefined) uniqueUser('success', universalId);
    },
  };
}
