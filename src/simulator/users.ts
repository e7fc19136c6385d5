// The simulated user base: who logs in. A few identities log in often and most rarely, and the base
// keeps growing, so unique users grow more slowly than logins, as on a real tenant.
import type { SimulationContext } from './context.js';

/** Identities registered before the simulation starts, per login per second. */
const INITIAL_USERS_PER_LOGIN_RATE = 1_500;
/** New registrations per second, per login per second. */
const REGISTRATIONS_PER_LOGIN = 0.05;
/** How steeply popularity falls with rank (Zipf's s; 0 would be uniform, 1 the classic law). */
const ZIPF_EXPONENT = 0.9;

/** The identities of a simulated tenant, by popularity rank. */
export class UserPool {
  private population: number;

  constructor(private readonly context: SimulationContext) {
    this.population = Math.max(1, Math.round(INITIAL_USERS_PER_LOGIN_RATE * context.rate));
  }

  /** Registrations during `seconds` of simulated time. */
  step(seconds: number): void {
    this.population += this.context.perLogin(REGISTRATIONS_PER_LOGIN, seconds);
  }

  /**
   * The universal id of the next user to log in. Rank r is drawn with weight ∝ r^−s by inverting the
   * continuous power-law CDF on [1, population + 1), then floored.
   */
  next(): string {
    const oneMinusS = 1 - ZIPF_EXPONENT;
    const top = (this.population + 1) ** oneMinusS;
    const rank = Math.floor((1 + this.context.random.float() * (top - 1)) ** (1 / oneMinusS));
    return universalId(Math.min(rank, this.population));
  }
}

/** An AIC-style universal id for the user of `rank`, e.g. `id=00000000-…-00000000002a,ou=user,o=alpha,…`. */
function universalId(rank: number): string {
  const uuid = `00000000-0000-4000-8000-${rank.toString(16).padStart(12, '0')}`;
  return `id=${uuid},ou=user,o=alpha,ou=services,ou=am-config`;
}
