// The simulated token denylists (AM's `am_blacklist_*`): checks of client-based sessions and OAuth 2.0
// tokens through the cache, the bloom filter and CTS searches, and the periodic reload of new entries.
import type { DenylistType, Outcome } from '../index.js';
import type { SimulatedPart, SimulationContext } from './context.js';
import type { SimulatedCts } from './cts.js';

/** How often each pod searches the CTS for entries other pods added, to update its bloom filter. */
export const RELOAD_PERIOD_SECONDS = 30;
const CACHE_HIT_RATIO = 0.9;
const DENYLISTED_SHARE = 0.004;
const BLOOM_FALSE_POSITIVES = 0.01;
const BASE_BLOOM_FAILURE = 0.0005;
const TOKEN_TYPE = { session_client_based: 'session-blacklist', oauth2: 'oauth2-blacklist' } as const;

/** Simulated denylists; sessions and OAuth 2.0 call `check` and `add`. */
export class SimulatedDenylist implements SimulatedPart {
  private readonly added: Record<DenylistType, number> = { session_client_based: 0, oauth2: 0 };
  private sinceReloadSeconds = 0;

  constructor(
    private readonly context: SimulationContext,
    private readonly cts: SimulatedCts,
  ) {}

  /** A token is checked before it is honoured: cache, then bloom filter, then a CTS search if needed. */
  check(type: DenylistType): void {
    const { am, random } = this.context;
    const isDenylisted = random.chance(DENYLISTED_SHARE);
    const isHit = random.chance(CACHE_HIT_RATIO);
    am.denylist.cache(type, isHit ? 'hit' : 'miss');
    if (!isHit) {
      const bloom = this.context.outcome(BASE_BLOOM_FAILURE);
      am.denylist.bloomFilterCheck(type, bloom);
      if (bloom === 'failure' || isDenylisted || random.chance(BLOOM_FALSE_POSITIVES)) this.search(type, isDenylisted ? 1 : 0);
    }
    am.denylist.check(type, isDenylisted);
  }

  /** A token was denylisted (a client-based session logged out, an OAuth 2.0 token revoked). */
  add(type: DenylistType): void {
    this.cts.run('create', TOKEN_TYPE[type]);
    this.added[type] += 1;
  }

  /** At start-up each pod loads the denylist into its bloom filter, then checks a first token. */
  warmUp(): void {
    this.search('oauth2', 3);
    this.search('session_client_based', 1);
    this.context.am.denylist.bloomFilterCheck('oauth2', 'success');
    this.check('oauth2');
  }

  step(seconds: number): void {
    this.sinceReloadSeconds += seconds;
    if (this.sinceReloadSeconds < RELOAD_PERIOD_SECONDS) return;
    this.sinceReloadSeconds -= RELOAD_PERIOD_SECONDS;
    for (const type of ['session_client_based', 'oauth2'] as const) {
      if (this.search(type, this.added[type]) === 'success') this.added[type] = 0;
    }
  }

  /** Searches the CTS for denylist entries; a failed search returns none. */
  private search(type: DenylistType, entries: number): Outcome {
    const { seconds, outcome } = this.cts.run('query', TOKEN_TYPE[type]);
    this.context.am.denylist.ctsSearch(type, seconds, outcome);
    if (outcome === 'success') this.context.am.denylist.searchResults(type, entries);
    return outcome;
  }
}
