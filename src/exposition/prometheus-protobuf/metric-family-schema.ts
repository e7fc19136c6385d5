// The `io.prometheus.client.MetricFamily` message of Prometheus' protobuf exposition (client_model's
// metrics.proto, the fields this exporter writes), as a protobufjs type. The only file that imports
// protobufjs; what goes into the messages is protobuf-exposition.ts's business.
import protobuf from 'protobufjs';

const field = (type: string, id: number, repeated = false) => ({ type, id, ...(repeated ? { rule: 'repeated' } : {}) });

/** Field numbers as in prometheus/client_model io/prometheus/client/metrics.proto (native histograms included). */
const SCHEMA = {
  nested: {
    LabelPair: { fields: { name: field('string', 1), value: field('string', 2) } },
    MetricType: { values: { COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4, GAUGE_HISTOGRAM: 5 } },
    Gauge: { fields: { value: field('double', 1) } },
    Counter: { fields: { value: field('double', 1) } },
    Untyped: { fields: { value: field('double', 1) } },
    Bucket: { fields: { cumulative_count: field('uint64', 1), upper_bound: field('double', 2) } },
    BucketSpan: { fields: { offset: field('sint32', 1), length: field('uint32', 2) } },
    Histogram: {
      fields: {
        sample_count: field('uint64', 1),
        sample_sum: field('double', 2),
        bucket: field('Bucket', 3, true),
        schema: field('sint32', 5),
        zero_threshold: field('double', 6),
        zero_count: field('uint64', 7),
        positive_span: field('BucketSpan', 12, true),
        positive_delta: field('sint64', 13, true),
      },
    },
    Metric: {
      fields: {
        label: field('LabelPair', 1, true),
        gauge: field('Gauge', 2),
        counter: field('Counter', 3),
        untyped: field('Untyped', 5),
        histogram: field('Histogram', 7),
      },
    },
    MetricFamily: { fields: { name: field('string', 1), help: field('string', 2), type: field('MetricType', 3), metric: field('Metric', 4, true) } },
  },
};

/** The MetricFamily type; `encodeDelimited` writes one length-prefixed message as the exposition needs. */
export const METRIC_FAMILY: protobuf.Type = protobuf.Root.fromJSON({ nested: { io: { nested: { prometheus: { nested: { client: SCHEMA } } } } } }).lookupType(
  'io.prometheus.client.MetricFamily',
);
