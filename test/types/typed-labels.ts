// Compile-time checks (run by test/types.test.ts): each @ts-expect-error line must fail to compile.
import { Registry } from '../../src/index.js';

const registry = new Registry({ now: undefined, maxSeriesPerMetric: undefined });
const timer = registry.timer({ name: 'am_typed', help: 'Typed.', labelNames: ['op', 'outcome'] as const });
timer.observe({ op: 'read', outcome: 'success' }, 0.1);
// @ts-expect-error -- 'outcom' is misspelt
timer.observe({ op: 'read', outcom: 'success' }, 0.1);
// @ts-expect-error -- 'outcome' is missing
timer.observe({ op: 'read' }, 0.1);
// @ts-expect-error -- a bound child needs every label too
timer.labels({ op: 'read' });

const plain = registry.summary({ name: 'am_plain', help: 'No labels.' });
plain.record({});
// @ts-expect-error -- a metric without label names takes no labels
plain.record({ outcome: 'success' });

const gauge = registry.gauge({ name: 'am_gauge', help: 'G.', labelNames: ['pool'] as const, combine: 'max' });
gauge.set({ pool: 'a' }, 1);
// @ts-expect-error -- 'median' is not a way to combine gauges
registry.gauge({ name: 'am_gauge2', help: 'G.', combine: 'median' });

const distinct = registry.distinctCounter({ name: 'am_users', help: 'U.', labelNames: ['outcome'] as const });
// @ts-expect-error -- the label is outcome, not result
distinct.add({ result: 'success' }, 'user-1');
