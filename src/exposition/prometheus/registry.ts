// The Registry the package exports: the collecting core (src/registry/registry.ts) plus Prometheus
// text, so `registry.metrics()` stays one call while the core imports no writer.
import { MetricRegistry, type FamilyCollector, type RegistryOptions } from '../../registry/registry.js';
import { CONTENT_TYPES, renderPrometheusTextStreamed, type WriteOptions } from './prometheus-text.js';
import { prometheusNames } from './sample-names.js';
import { nodeRuntimeCollector } from '../../runtime/node-runtime.js';

/**
 * Holds metrics, collects them (`collect()`), saves and merges their state (`state()`, `merge()`) and
 * renders them as Prometheus text (`metrics()`). Metric names may not overlap in any sample name
 * either naming profile writes. See MetricRegistry for registration rules and errors.
 */
export class Registry extends MetricRegistry {
  /** The content type of `metrics()` with default options: Prometheus text 0.0.4. */
  readonly contentType = CONTENT_TYPES.prometheus;
  private runtime: FamilyCollector | undefined;

  constructor(options: RegistryOptions = {}) {
    const timerBuckets = options.timerBuckets === true;
    super(options, (kind, name) => prometheusNames(kind, name, timerBuckets));
  }

  /**
   * Adds the Node.js process and runtime metrics (CPU, memory, heap, event-loop lag, GC, handles) from
   * prom-client's default collectors to every collection, under prom-client's names (see
   * nodeRuntimeCollector). Off until called; calling again changes nothing (after `clear()`, it adds
   * them back). Returns the registry. Every registry of the process reads the same running collectors.
   * @throws MetricConflictError when a registered metric writes one of their names; a metric
   *   registered after them with such a name is refused the same way.
   */
  runtimeMetrics(): this {
    this.runtime ??= nodeRuntimeCollector({ now: () => this.clock.now() });
    this.addCollector(this.runtime);
    return this;
  }

  /**
   * Prometheus text of every metric: format 0.0.4 and AIC names unless `options` say otherwise.
   * Collects and renders family by family, yielding to the event loop in between; a family is
   * dropped once rendered, so the whole collection is never held.
   */
  async metrics(options: WriteOptions = {}): Promise<string> {
    return renderPrometheusTextStreamed(this.labels, (use) => this.collectEach(use), options);
  }
}
