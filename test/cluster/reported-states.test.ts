import { describe, expect, it } from 'vitest';
import { ReportedStates } from '../../src/cluster/reported-states.js';
import { Registry } from '../../src/index.js';

/** A worker's state: `logins` logins, and `am_test_latency` as a timer (old code) or a summary (new code). */
async function workerState(logins: number, latencyKind: 'timer' | 'summary') {
  const registry = new Registry({ now: () => 0 });
  const login = registry.summary({ name: 'am_test_login', help: 'Logins' });
  for (let i = 0; i < logins; i += 1) login.record({});
  if (latencyKind === 'timer') registry.timer({ name: 'am_test_latency', help: 'Latency' }).observe({}, 0.1);
  else registry.summary({ name: 'am_test_latency', help: 'Latency' }).record({});
  return registry.state();
}

describe('ReportedStates', () => {
  it('keeps the answer of the later round when overlapping collections finish out of order', () => {
    const reported = new ReportedStates({});
    const newer = { answeredIn: 'round 2' };
    const older = { answeredIn: 'round 1' };
    reported.remember(1, newer, 2);
    reported.remember(1, older, 1); // the slower, earlier collection finishes last
    expect(reported.lastOf(1)).toBe(newer);
    expect(reported.standIns(new Set())).toEqual([[1, newer]]);
    const latest = { answeredIn: 'round 3' };
    reported.remember(1, latest, 3);
    expect(reported.lastOf(1)).toBe(latest);
  });

  it("keeps an exited worker's other totals when one of its metrics clashes with an earlier exited worker's", async () => {
    const reported = new ReportedStates({ now: () => 0 });
    reported.remember(1, await workerState(3, 'timer'), 1);
    reported.remember(2, await workerState(4, 'summary'), 1);
    reported.markExited(1);
    reported.markExited(2);
    reported.retireExited();
    const families = (await reported.retiredState())?.families ?? [];
    expect(families.find((f) => f.name === 'am_test_login')?.series[0]?.state).toMatchObject({ count: 7 });
    expect(families.find((f) => f.name === 'am_test_latency')?.kind).toBe('timer');
  });
});
