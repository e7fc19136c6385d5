import { describe, expect, it } from 'vitest';
import { Registry, InvalidValueError, InvalidLabelError } from '../../src/index.js';
import { DistinctSketch } from '../../src/registry/cells/distinct-sketch.js';

async function estimates(registry: Registry): Promise<Array<[string | undefined, number]>> {
  const { families } = await registry.collect();
  return families.flatMap((f) => (f.kind === 'distinct' ? f.series.map((s) => [s.labels.outcome, s.value] as [string | undefined, number]) : []));
}

describe('DistinctCounter', () => {
  it('counts distinct values per label set, never a value twice', async () => {
    const registry = new Registry();
    const users = registry.distinctCounter({ name: 'am_users', help: 'Users', labelNames: ['outcome'] });
    for (const user of ['alice', 'bob', 'alice', 'carol', 'bob']) users.add({ outcome: 'success' }, user);
    users.labels({ outcome: 'failure' }).add('mallory');
    expect(await estimates(registry)).toEqual([
      ['success', 3],
      ['failure', 1],
    ]);
  });

  it("merges another process's sketch as a union", async () => {
    const registry = new Registry();
    const users = registry.distinctCounter({ name: 'am_users', help: 'Users', labelNames: ['outcome'] });
    users.add({ outcome: 'success' }, 'alice');
    const other = new DistinctSketch();
    for (const user of ['alice', 'bob', 'dave']) other.add(user);
    users.merge({ outcome: 'success' }, DistinctSketch.fromJSON(other.toJSON()));
    users.labels({ outcome: 'failure' }).merge(other);
    expect(await estimates(registry)).toEqual([
      ['success', 3],
      ['failure', 3],
    ]);
  });

  it('refuses non-string values and sketches of another precision, creating nothing', async () => {
    const registry = new Registry();
    const users = registry.distinctCounter({ name: 'am_users', help: 'Users', labelNames: ['outcome'] });
    expect(() => users.add({ outcome: 'success' }, 42 as never)).toThrow(InvalidValueError);
    expect(() => users.merge({ outcome: 'success' }, new DistinctSketch({ precision: 14 }))).toThrow(/am_users: value 14 is not a sketch of precision 12/);
    expect(() => users.add({ result: 'success' } as never, 'alice')).toThrow(InvalidLabelError);
    expect(await estimates(registry)).toEqual([]);
  });
});
