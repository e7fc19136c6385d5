// OpenTelemetry's metrics SDK as a bench peer: a MeterProvider with a reader collected on demand, as
// a pull exporter (the OTel Prometheus exporter, for instance) drives it.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Meter } from '@opentelemetry/api';

/** A reader that collects only when asked, like a scrape. */
class OnDemandReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** A meter of a fresh provider, and the reader whose `collect()` reads it. */
export function otelMeter(): { readonly meter: Meter; readonly reader: MetricReader } {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  return { meter: provider.getMeter('am-metrics-bench'), reader };
}
