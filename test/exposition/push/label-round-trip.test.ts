// Any label value a registry accepts reaches every push encoding intact, read back by decoders that
// share no code with the encoders.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeDatadogSeries } from '../../../src/exposition/datadog/datadog-series.js';
import { encodeOtlpJson } from '../../../src/exposition/otlp/otlp-json.js';
import { encodeOtlpProtobuf } from '../../../src/exposition/otlp/otlp-protobuf.js';
import { encodeWriteRequest } from '../../../src/exposition/remote-write/remote-write.js';
import { Registry } from '../../../src/index.js';
import { decodeOtlp, decodeWriteRequest } from '../../support/proto-decoders.js';

type Attribute = { key: string; value: { stringValue: string } };

describe('push encoders and label values', () => {
  it('carry any label value unchanged into OTLP (protobuf and JSON), remote write and Datadog tags', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 16 }), { minLength: 1, maxLength: 20 }), async (values) => {
        const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
        const gauge = registry.gauge({ name: 'am_values', help: 'Values.', labelNames: ['value'] });
        values.forEach((value, i) => gauge.set({ value }, i));
        const collection = await registry.collect();

        const otlp = decodeOtlp(encodeOtlpProtobuf(collection)) as {
          resourceMetrics: { scopeMetrics: { metrics: { gauge: { dataPoints: { attributes: Attribute[]; asDouble?: number }[] } }[] }[] }[];
        };
        const points = otlp.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.gauge.dataPoints;
        expect(points.map((p) => [p.attributes[0]!.value.stringValue, p.asDouble ?? 0])).toEqual(values.map((v, i) => [v, i]));
        expect(JSON.parse(new TextDecoder().decode(encodeOtlpJson(collection)))).toEqual(otlp);

        const written = decodeWriteRequest(encodeWriteRequest(collection)) as { timeseries: { labels: { name: string; value: string }[] }[] };
        expect(written.timeseries.map((ts) => ts.labels.find((l) => l.name === 'value')!.value)).toEqual(values);

        const [body] = encodeDatadogSeries(collection);
        const series = (JSON.parse(Buffer.from(body!.body).toString('utf8')) as { series: { tags: string[] }[] }).series;
        expect(series.map((s) => s.tags.find((t) => t.startsWith('value:'))!.slice('value:'.length))).toEqual(values);
      }),
      { numRuns: 60 },
    );
  });
});
