// Simulated user sessions: created by logins, validated and updated by agents and apps, ended by
// logout or by their idle or maximum timeout, with the CTS-based session cache in front of the CTS.
// Journey (authentication) sessions belong to authentication.ts.
import type { Outcome, SessionOperation } from '../index.js';
import type { SimulatedPart, SimulationContext } from './context.js';
import type { SimulatedCts } from './cts.js';
import type { SimulatedDenylist } from './denylist.js';
import type { Weighted } from './random.js';
import type { SimulatedReaper } from './reaper.js';

/** AM's default maximum number of cached sessions. */
export const SESSION_CACHE_CAPACITY = 5_000;
const IDLE_TIMEOUT_SECONDS = 30 * 60;
const MAX_SESSION_SECONDS = 120 * 60;
/** Mean lifetime over all endings; it sizes the population of sessions already open at start. */
const MEAN_LIFETIME_SECONDS = 30 * 60;
const CLIENT_BASED_SHARE = 0.15;
/** Share of open sessions that receive nearly all validations (the users active right now). */
const HOT_SHARE = 0.2;
const BEST_HIT_RATIO = 0.97;
const VALIDATIONS_PER_LOGIN = 5;
const BASE_FAILURE = 0.001;

type UserSessionType = 'cts-based' | 'client-based';
type Ending = 'logout' | 'idle-timeout' | 'max-timeout';
const ENDINGS: Weighted<Ending> = [
  ['logout', 55],
  ['idle-timeout', 35],
  ['max-timeout', 10],
];

/** Other session operations: how many per login, median latency in seconds, and the CTS work they do. */
const OPERATIONS: ReadonlyArray<readonly [SessionOperation, number, number, 'read' | 'update' | 'query' | 'delete' | undefined]> = [
  ['refresh', 0.5, 0.002, 'update'],
  ['set-property', 0.2, 0.002, 'update'],
  ['set-external-property', 0.02, 0.002, 'update'],
  ['check-exists', 0.1, 0.001, undefined],
  ['resolve', 0.1, 0.001, undefined],
  ['is-applicable', 0.05, 0.0005, undefined],
  ['register-listener', 0.05, 0.001, undefined],
  ['register-pll-listener', 0.005, 0.001, undefined],
  ['get-valid-sessions', 0.01, 0.01, 'query'],
  ['get-matching-sessions', 0.005, 0.01, 'query'],
  ['get-restricted-token-id', 0.01, 0.001, undefined],
  ['dereference-restricted-token-id', 0.01, 0.001, undefined],
  ['destroy', 0.02, 0.002, 'delete'],
];

/** Simulated session service; authentication calls `open` for every successful login. */
export class SimulatedSessions implements SimulatedPart {
  private readonly active: Record<UserSessionType, number>;
  private cached = 0;

  constructor(
    private readonly context: SimulationContext,
    private readonly cts: SimulatedCts,
    private readonly reaper: SimulatedReaper,
    private readonly denylist: SimulatedDenylist,
  ) {
    // The CTS already holds the sessions of logins made before this pod started; its cache starts empty.
    const existing = Math.round(context.rate * MEAN_LIFETIME_SECONDS * 0.86);
    this.active = { 'cts-based': Math.round(existing * (1 - CLIENT_BASED_SHARE)), 'client-based': Math.round(existing * CLIENT_BASED_SHARE) };
    context.am.session.cacheSize.track(() => this.cached);
  }

  /** A login succeeded: a session is created, and cached when it lives in the CTS. */
  open(): void {
    const type: UserSessionType = this.context.random.chance(CLIENT_BASED_SHARE) ? 'client-based' : 'cts-based';
    const cts = type === 'cts-based' ? this.cts.run('create', 'session') : undefined;
    this.record('create', type, 0.001, cts?.seconds ?? 0, cts?.outcome);
    this.active[type] += 1;
    if (type === 'cts-based') this.cache();
  }

  warmUp(): void {
    this.validate('cts-based');
    this.context.am.session.cache('hit');
    this.context.am.session.cacheEviction();
    this.end('cts-based', 'idle-timeout');
  }

  step(seconds: number): void {
    for (const type of ['cts-based', 'client-based'] as const) {
      const endings = Math.min(this.active[type], this.context.random.poisson((this.active[type] * seconds) / MEAN_LIFETIME_SECONDS));
      for (let n = endings; n > 0; n -= 1) this.end(type, this.context.random.pick(ENDINGS));
    }
    for (let n = this.context.perLogin(VALIDATIONS_PER_LOGIN, seconds); n > 0; n -= 1) this.validate(this.someType());
    for (const [operation, perLogin, medianSeconds, ctsOperation] of OPERATIONS) {
      for (let n = this.context.perLogin(perLogin, seconds); n > 0; n -= 1) {
        const type = this.someType();
        const cts = type === 'cts-based' && ctsOperation !== undefined ? this.cts.run(ctsOperation, 'session') : undefined;
        this.record(operation, type, medianSeconds, cts?.seconds ?? 0, cts?.outcome);
      }
    }
  }

  private validate(type: UserSessionType): void {
    if (type === 'client-based') {
      this.denylist.check('session_client_based');
      this.record('validate', type, 0.0008, 0);
      return;
    }
    const hotSessions = Math.max(1, this.active['cts-based'] * HOT_SHARE);
    const isHit = this.context.random.chance(BEST_HIT_RATIO * Math.min(1, this.cached / hotSessions));
    this.context.am.session.cache(isHit ? 'hit' : 'miss');
    const cts = isHit ? undefined : this.cts.run('read', 'session');
    if (!isHit) this.cache();
    this.record('validate', type, 0.0004, cts?.seconds ?? 0, cts?.outcome);
  }

  private end(type: UserSessionType, ending: Ending): void {
    this.active[type] = Math.max(0, this.active[type] - 1);
    if (type === 'cts-based' && this.context.random.chance(this.cached / Math.max(1, this.active[type] + 1))) this.cached -= 1;
    this.context.am.session.lifetime(type, this.lifetime(ending));
    if (ending !== 'logout') {
      this.context.am.session.timeout(ending, type);
      if (type === 'cts-based') this.reaper.expire('session');
      return;
    }
    const cts = type === 'cts-based' ? this.cts.run('delete', 'session') : undefined;
    if (type === 'client-based') this.denylist.add('session_client_based');
    this.record('logout', type, 0.002, cts?.seconds ?? 0, cts?.outcome);
  }

  private lifetime(ending: Ending): number {
    const { random } = this.context;
    switch (ending) {
      case 'logout':
        return Math.min(MAX_SESSION_SECONDS, random.logNormal(15 * 60, 1));
      case 'idle-timeout':
        return IDLE_TIMEOUT_SECONDS + Math.min(MAX_SESSION_SECONDS - IDLE_TIMEOUT_SECONDS, random.logNormal(10 * 60, 1));
      case 'max-timeout':
        return MAX_SESSION_SECONDS + random.logNormal(20, 0.5);
    }
  }

  /** Puts a session in the cache, evicting the least recently used one when it is full. */
  private cache(): void {
    if (this.cached < SESSION_CACHE_CAPACITY) this.cached += 1;
    else this.context.am.session.cacheEviction();
  }

  private someType(): UserSessionType {
    const { 'cts-based': cts, 'client-based': client } = this.active;
    return this.context.random.float() * (cts + client) < client ? 'client-based' : 'cts-based';
  }

  /** Records a session operation: its own latency plus the CTS work it waited for, failing with it. */
  private record(operation: SessionOperation, type: UserSessionType, medianSeconds: number, ctsSeconds: number, ctsOutcome?: Outcome): void {
    const seconds = this.context.latency(medianSeconds, this.context.conditions.serviceLatency) + ctsSeconds;
    const outcome = ctsOutcome === 'failure' ? 'failure' : this.context.outcome(BASE_FAILURE);
    this.context.am.session.operation({ operation, sessionType: type }, seconds, outcome);
  }
}
