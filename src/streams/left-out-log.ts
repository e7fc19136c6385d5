// The log lines of families left out of the streams' collections, which come every second: a family
// is logged when it starts failing and then at most once a minute. Counting them is the registry's job.
import type { CollectFailure } from '../registry/collection.js';
import { describeError, type Logger } from '../http/logger.js';

/** How long a family that keeps being left out goes without a new line about it. */
export const LEFT_OUT_LOG_INTERVAL_MS = 60_000;

interface Failing {
  /** When its last line was written. */
  loggedAtMs: number;
  /** Collections that left it out since that line, not counting the one that wrote it. */
  leftOut: number;
}

/**
 * Logs the families each collection leaves out, as the scrape does (`am-metrics: metric streams left
 * out <metric>: <reason>`), but a family once when it starts failing and then at most once every
 * LEFT_OUT_LOG_INTERVAL_MS while it goes on, saying how many collections left it out since the last
 * line. Nothing is written when it recovers: the lines stop, and am_metrics_collect_errors_total
 * stops growing. A family is forgotten once it succeeds a full interval after its last line, so one
 * that fails every other second is still logged once a minute, and the next failure after that is
 * logged at once. Time is handed in (monotonic milliseconds); nothing here reads a clock.
 */
export class LeftOutLog {
  private readonly failing = new Map<string, Failing>();

  constructor(private readonly logger: Logger | undefined) {}

  /** Takes the failures of one collection, taken at `nowMs`. */
  note(failures: readonly CollectFailure[], nowMs: number): void {
    const seen = new Set<string>();
    for (const { metric, error } of failures) {
      if (seen.has(metric)) continue; // counted once per collection, however many entries name it
      seen.add(metric);
      const known = this.failing.get(metric);
      if (known !== undefined && nowMs - known.loggedAtMs < LEFT_OUT_LOG_INTERVAL_MS) {
        known.leftOut += 1;
        continue;
      }
      const times = known === undefined || known.leftOut === 0 ? '' : ` (${known.leftOut + 1} times since the last line)`;
      this.logger?.(`am-metrics: metric streams left out ${metric}${times}: ${describeError(error)}`);
      this.failing.set(metric, { loggedAtMs: nowMs, leftOut: 0 });
    }
    for (const [metric, known] of this.failing) {
      if (!seen.has(metric) && nowMs - known.loggedAtMs >= LEFT_OUT_LOG_INTERVAL_MS) this.failing.delete(metric);
    }
  }
}
