import { uncompressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { encodeRemoteWrite, encodeWriteRequest } from '../../../src/exposition/remote-write/remote-write.js';
import { writePrometheusText, type NamingProfile } from '../../../src/index.js';
import { expectBytesToMatchFixture } from '../../support/binary-fixtures.js';
import { expectToMatchFixture } from '../../support/fixtures.js';
import { parseExposition } from '../../support/prometheus-tools.js';
import { decodeWriteRequest } from '../../support/proto-decoders.js';
import { POD, pushScenario } from '../../support/push-scenario.js';

interface TimeSeries {
  labels: { name: string; value: string }[];
  samples: { value: number; timestamp: string }[];
}

function seriesOf(body: Uint8Array): TimeSeries[] {
  return (decodeWriteRequest(body) as { timeseries: TimeSeries[] }).timeseries;
}

/** A sample as `name{labels} value`, labels in the order given, for comparing two sources. */
function sampleKey(name: string, labels: Record<string, string>, value: number | string): string {
  const text = typeof value === 'number' ? String(value) : value;
  return `${name}${JSON.stringify(Object.entries(labels).sort())} ${text}`;
}

describe('encodeRemoteWrite', () => {
  it('writes the golden WriteRequest bytes, snappy-compressed in the block format', async () => {
    const { second } = await pushScenario();
    const request = encodeWriteRequest(second);
    expectBytesToMatchFixture(request, 'remote-write/one-of-each.aic.pb');
    // The same request as protobufjs decodes it from Prometheus' .proto files, for reading in a diff.
    expectToMatchFixture(`${JSON.stringify(decodeWriteRequest(request), (_key, v: unknown) => (Number.isNaN(v) ? 'NaN' : v), 1)}\n`, 'remote-write/one-of-each.aic.json');
    expect(Buffer.from(uncompressSync(Buffer.from(encodeRemoteWrite(second))) as Buffer).equals(Buffer.from(request))).toBe(true);
  });

  it.each<NamingProfile>(['aic', 'legacy'])('holds exactly the samples of the text exposition, with %s names', async (profile) => {
    const { second } = await pushScenario();
    const text = writePrometheusText(second, { profile });
    const expected = (await parseExposition(text, 'prometheus')).flatMap((f) => f.samples.map((s) => sampleKey(s.name, s.labels, s.value)));
    const actual = seriesOf(encodeWriteRequest(second, { profile })).map((ts) => {
      const labels = Object.fromEntries(ts.labels.map((l) => [l.name, l.value]));
      const { __name__: name, ...rest } = labels;
      const value = ts.samples[0]!.value;
      return sampleKey(name!, rest, Number.isNaN(value) ? 'NaN' : value);
    });
    expect(actual.sort()).toEqual(expected.sort());
  });

  it('puts __name__ first, sorts the labels, and stamps one sample per series with the collection time', async () => {
    const { second } = await pushScenario();
    for (const ts of seriesOf(encodeWriteRequest(second))) {
      const names = ts.labels.map((l) => l.name);
      expect(names[0]).toBe('__name__');
      expect(names).toEqual([...names].sort());
      expect(ts.labels).toContainEqual({ name: 'kubernetes_pod_name', value: POD });
      expect(ts.samples).toEqual([{ value: expect.any(Number), timestamp: String(second.timeMs) }]);
    }
  });
});
