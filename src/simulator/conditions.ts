// What the simulated deployment is going through: the traffic wave, the slow drift of latencies and
// the occasional incident. Families read these factors; they never change them.
import type { SeededRandom } from './random.js';

/** Period of the traffic wave: load swings between 1 ± LOAD_SWING once per period. */
export const LOAD_PERIOD_SECONDS = 900;
const LOAD_SWING = 0.2;
/** Period of the latency cycle: CTS latency goes from its base to ×2, down to ×0.5 and back. */
export const DRIFT_PERIOD_SECONDS = 1_200;
const DRIFT_LOG_AMPLITUDE = Math.log(2);
/** A mean-reverting random walk on top of the cycle (Ornstein–Uhlenbeck in log space). */
const WALK_REVERSION_SECONDS = 300;
const WALK_VOLATILITY = 0.01;
/** Incidents (a slow directory server, say) start about once per this many seconds. */
const MEAN_SECONDS_BETWEEN_INCIDENTS = 1_200;
const INCIDENT_MEDIAN_SECONDS = 60;
const INCIDENT_LATENCY_FACTOR = 4;
const INCIDENT_FAILURE_FACTOR = 25;

/**
 * The simulated deployment's conditions over simulated time (the seconds passed to `advance`, not the
 * clock). It starts with load 1, latency factor 1 and no incident.
 */
export class Conditions {
  private elapsedSeconds = 0;
  private walk = 0;
  private incidentLeftSeconds = 0;

  constructor(private readonly random: SeededRandom) {}

  /** Moves the conditions on by `seconds` of simulated time. */
  advance(seconds: number): void {
    this.elapsedSeconds += seconds;
    this.walk += (-this.walk * seconds) / WALK_REVERSION_SECONDS + WALK_VOLATILITY * Math.sqrt(seconds) * this.random.normal();
    if (this.incidentLeftSeconds > 0) {
      this.incidentLeftSeconds = Math.max(0, this.incidentLeftSeconds - seconds);
    } else if (this.random.chance(seconds / MEAN_SECONDS_BETWEEN_INCIDENTS)) {
      this.incidentLeftSeconds = this.random.logNormal(INCIDENT_MEDIAN_SECONDS, 0.5);
    }
  }

  /** Simulated seconds since the start. */
  get seconds(): number {
    return this.elapsedSeconds;
  }

  /** Multiplier on every traffic rate: the daily-traffic stand-in. */
  get load(): number {
    return 1 + LOAD_SWING * Math.sin((2 * Math.PI * this.elapsedSeconds) / LOAD_PERIOD_SECONDS);
  }

  /** Multiplier on CTS latencies: the cycle, the walk and, during an incident, INCIDENT_LATENCY_FACTOR. */
  get ctsLatency(): number {
    const cycle = DRIFT_LOG_AMPLITUDE * Math.sin((2 * Math.PI * this.elapsedSeconds) / DRIFT_PERIOD_SECONDS);
    return Math.exp(cycle + this.walk) * (this.isIncident ? INCIDENT_LATENCY_FACTOR : 1);
  }

  /** Multiplier on latencies of work that only partly waits on the CTS (policies, sessions, JWTs). */
  get serviceLatency(): number {
    return Math.sqrt(this.ctsLatency);
  }

  /** Multiplier on failure probabilities: 1, or INCIDENT_FAILURE_FACTOR during an incident. */
  get failure(): number {
    return this.isIncident ? INCIDENT_FAILURE_FACTOR : 1;
  }

  get isIncident(): boolean {
    return this.incidentLeftSeconds > 0;
  }

  /** Events of a process running at `perSecond` × load during `seconds`. */
  events(perSecond: number, seconds: number): number {
    return this.random.poisson(perSecond * this.load * seconds);
  }
}
