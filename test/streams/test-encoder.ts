// A test-only encoder: summary counts as JSON points, so delivery tests can read what a receiver got
// without a real wire format. Not shipped; the real encoders live under src/exposition/.
import type { CountSum } from '../../src/registry/collection.js';
import type { DestinationEncoder, Frame } from '../../src/streams/encoder.js';

export interface TestPoint {
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Epoch seconds of the frame. */
  readonly second: number;
  /** Delta: the count added during the frame's second(s); cumulative: the count since `start`. */
  readonly value: number;
  readonly start: number;
}

/** One request per `perRequest` points (default: all in one). */
export function testEncoder(perRequest = Number.MAX_SAFE_INTEGER): DestinationEncoder {
  return {
    encode(frames, options) {
      const points = frames.flatMap((frame) => pointsOf(frame, options.temporality));
      const requests = [];
      for (let i = 0; i < points.length; i += perRequest) {
        const part = points.slice(i, i + perRequest);
        requests.push({ headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(part)), points: part.length });
      }
      return requests;
    },
  };
}

function pointsOf(frame: Frame, temporality: 'cumulative' | 'delta'): TestPoint[] {
  const points: TestPoint[] = [];
  for (const family of frame.current.families) {
    if (family.kind !== 'summary') continue;
    for (const series of family.series as readonly CountSum[]) {
      const key = JSON.stringify(series.labels);
      const before = frame.previous?.families.find((f) => f.descriptor.name === family.descriptor.name)?.series.find((s) => JSON.stringify(s.labels) === key) as
        CountSum | undefined;
      const value = temporality === 'delta' ? series.count - (before?.count ?? 0) : series.count;
      if (temporality === 'delta' && value === 0) continue;
      points.push({ metric: family.descriptor.name, labels: series.labels, second: Math.floor(frame.current.timeMs / 1000), value, start: series.startMs });
    }
  }
  return points;
}

/** Points out of bodies the test encoder wrote. */
export function decode(body: Buffer): TestPoint[] {
  return JSON.parse(body.toString('utf8')) as TestPoint[];
}
