// The Node.js runtime row: process and runtime metrics (prom-client's default collectors, served by
// `am-metrics serve` and by registries with `runtimeMetrics()`), one line per pod. Their names are
// prom-client's, not the AM catalogue's.
import type { PanelSpec, SectionSpec, Unit } from '../grafana.js';
import { SERVER_LABELS, SOURCE_LABELS, aggregate, selector, variableMatchers, type Scope } from '../promql.js';
import { legendOf } from '../panels.js';

/** The runtime samples the row reads. */
export const RUNTIME_SAMPLES = {
  cpu: 'process_cpu_seconds_total',
  residentMemory: 'process_resident_memory_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  eventLoopLagP99: 'nodejs_eventloop_lag_p99_seconds',
  gcCount: 'nodejs_gc_duration_seconds_count',
  activeHandles: 'nodejs_active_handles',
} as const;

/** `sample` on the selected jobs, instances and pods, as the AM panels read theirs. */
function sourceSelector(sample: string, scope: Scope): string {
  return selector(sample, variableMatchers(scope, SOURCE_LABELS));
}

/** `max by (server, …by)`: one process per server; max keeps a server scraped by two jobs from counting twice. */
function perPod(expr: string, by: readonly string[] = []): string {
  return aggregate('max', [...SERVER_LABELS, ...by], expr);
}

function panel(title: string, description: string, unit: Unit, expr: string, by: readonly string[] = []): PanelSpec {
  return { type: 'timeseries', title, description, unit, targets: [{ expr, legend: legendOf([...SERVER_LABELS, ...by]) }] };
}

const rate = (sample: string, scope: Scope): string => `rate(${sourceSelector(sample, scope)}[${scope.window}])`;

/** CPU, memory, heap, event-loop lag, GC and handles of each selected server's Node.js process. */
export function runtimeSection(scope: Scope): SectionSpec {
  const s = RUNTIME_SAMPLES;
  return {
    title: 'Node.js runtime',
    panels: [
      panel('CPU by pod', "CPU time used per second by each pod's process, user and system together: 1 is one core fully busy.", 'short', perPod(rate(s.cpu, scope))),
      panel(
        'Resident memory by pod',
        "Memory the operating system holds for each pod's process (RSS), heap and native memory together.",
        'bytes',
        perPod(sourceSelector(s.residentMemory, scope)),
      ),
      panel(
        'Heap used by pod',
        'V8 heap in use by live and not-yet-collected objects on each pod. A climb that garbage collection never brings down suggests a leak.',
        'bytes',
        perPod(sourceSelector(s.heapUsed, scope)),
      ),
      panel(
        'Event-loop lag p99 by pod',
        "p99 delay of the event loop on each pod, as sampled by the runtime: how long a ready callback waits. Lag adds to every request's latency.",
        's',
        perPod(sourceSelector(s.eventLoopLagP99, scope)),
      ),
      panel(
        'Garbage collections by pod and kind',
        'Garbage-collection pauses per second on each pod, by kind (minor, major, incremental, weakcb).',
        'ops',
        perPod(rate(s.gcCount, scope), ['kind']),
        ['kind'],
      ),
      panel(
        'Active handles by pod',
        "Open handles (sockets, timers, files) keeping each pod's event loop alive. A steady climb points to leaked connections or timers.",
        'short',
        aggregate('max', SERVER_LABELS, aggregate('sum', [...SERVER_LABELS, 'job'], sourceSelector(s.activeHandles, scope))),
      ),
    ],
  };
}
