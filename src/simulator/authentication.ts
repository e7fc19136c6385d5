// Simulated login journeys: their outcomes, who logged in, the journey sessions held in memory while
// they run, and the session each successful login creates (through sessions.ts).
import type { AuthenticationOutcome, SessionType } from '../index.js';
import type { SimulatedPart, SimulationContext } from './context.js';
import type { SimulatedCts } from './cts.js';
import type { Weighted } from './random.js';
import type { SimulatedSessions } from './sessions.js';
import { UserPool } from './users.js';

/** Mean time a journey takes from its first callback to its outcome. */
const MEAN_JOURNEY_SECONDS = 12;
/** Journeys that keep their state in the CTS (suspended ones, e.g. email magic links). */
const CTS_JOURNEY_SHARE = 0.05;
/** During an incident, journeys time out this many times more often. */
const INCIDENT_TIMEOUT_FACTOR = 8;
const JOURNEY_OPERATION_MEDIAN_SECONDS = 0.0005;

/** Simulated authentication service. */
export class SimulatedAuthentication implements SimulatedPart {
  private readonly users: UserPool;
  /** Journeys in progress in the in-memory store (fractional: a smoothed population). */
  private inMemoryJourneys = 0;

  constructor(
    private readonly context: SimulationContext,
    private readonly cts: SimulatedCts,
    private readonly sessions: SimulatedSessions,
  ) {
    this.users = new UserPool(context);
    context.am.session.storeSize.track(() => Math.round(this.inMemoryJourneys), { session_type: 'authentication-in-memory' });
  }

  warmUp(): void {
    this.journey('success');
  }

  step(seconds: number): void {
    const { conditions, random } = this.context;
    this.users.step(seconds);
    const timeoutWeight = 3 * (conditions.isIncident ? INCIDENT_TIMEOUT_FACTOR : 1);
    const outcomes: Weighted<AuthenticationOutcome> = [
      ['success', 86],
      ['failure', 11],
      ['timeout', timeoutWeight],
    ];
    const journeys = this.context.perLogin(1, seconds);
    let inMemory = 0;
    for (let n = journeys; n > 0; n -= 1) {
      if (this.journey(random.pick(outcomes)) === 'authentication-in-memory') inMemory += 1;
    }
    // Little's law, smoothed: the store relaxes towards arrival rate × mean journey time.
    const target = (inMemory / seconds) * MEAN_JOURNEY_SECONDS;
    this.inMemoryJourneys += (target - this.inMemoryJourneys) * (1 - Math.exp(-seconds / MEAN_JOURNEY_SECONDS));
  }

  /** One journey from start to `outcome`; returns where its journey session lived. */
  private journey(outcome: AuthenticationOutcome): SessionType {
    const { am, random } = this.context;
    const type: SessionType = random.chance(CTS_JOURNEY_SHARE) ? 'authentication-cts-based' : 'authentication-in-memory';
    this.journeyOperation('create', type);
    if (type === 'authentication-cts-based') this.cts.run('create', 'suspended-auth-session');
    if (outcome === 'timeout') {
      am.session.timeout('max-timeout', type);
    } else {
      this.journeyOperation('destroy', type);
      if (type === 'authentication-cts-based') this.cts.run('delete', 'suspended-auth-session');
    }
    if (outcome === 'success') {
      am.authentication.login('success', this.users.next());
      this.sessions.open();
    } else {
      am.authentication.login(outcome);
    }
    return type;
  }

  private journeyOperation(operation: 'create' | 'destroy', type: SessionType): void {
    const seconds = this.context.latency(JOURNEY_OPERATION_MEDIAN_SECONDS, this.context.conditions.serviceLatency);
    this.context.am.session.operation({ operation, sessionType: type }, seconds, 'success');
  }
}
