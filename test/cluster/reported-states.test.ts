import { describe, expect, it } from 'vitest';
import { ReportedStates } from '../../src/cluster/reported-states.js';

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
});
