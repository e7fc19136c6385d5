// The seam between delivery and wire formats: what an encoder receives (a stream's frames, one per
// second) and what it returns (request bodies). Encoders live under src/exposition/; delivery never
// looks inside a body.
import type { Collection } from '../registry/collection.js';
import type { Destination, DestinationType, Temporality } from './resource.js';
import type { TransportResponse } from './transport.js';

/**
 * One second of one stream: the stream's view of the registry at `current.timeMs`, and the view one
 * frame earlier. `previous` is undefined for the first frame after the exporter started, when the
 * counts since each series' `startMs` have not been sent anywhere yet; a delta encoder then sends the
 * whole count. Series labels carry no empty values.
 */
export interface Frame {
  readonly current: Collection;
  readonly previous: Collection | undefined;
}

export interface EncodeOptions {
  /** Cumulative: counts since `startMs`. Delta: `current` minus `previous`, per series. */
  readonly temporality: Temporality;
  /** The stream's destination (site, encoding and the like); secrets included, never to be logged. */
  readonly destination: Destination;
}

/** Points a destination accepted the request of but rejected itself, and its message. */
export interface PartialRejection {
  readonly rejectedPoints: number;
  readonly message: string;
}

/** One HTTP request body for a destination. */
export interface EncodedRequest {
  /** Content-Type, Content-Encoding and the like; authentication headers are added by delivery. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** Data points the body carries, for the health counters. */
  readonly points: number;
}

/**
 * Turns frames into request bodies, each under the destination's size limits; pure, no I/O. Every
 * point belongs to exactly one request, so delivery can resend a failed request alone.
 */
export interface DestinationEncoder {
  encode(frames: readonly Frame[], options: EncodeOptions): EncodedRequest[];
  /**
   * A note worth logging about a 2xx answer, or undefined; with the points the destination rejected
   * (OTLP's `partial_success.rejected_data_points`), which count as dropped. Such answers are never retried.
   */
  inspect?(response: TransportResponse): string | PartialRejection | undefined;
}

/** The encoder of each destination type; a stream whose type has none reports it in its health. */
export type Encoders = Readonly<Partial<Record<DestinationType, DestinationEncoder>>>;

/** An encoder from a function of one frame (current and previous collection), one request list per frame. */
export function framewise(encodeOne: (current: Collection, previous: Collection | undefined, options: EncodeOptions) => EncodedRequest[]): DestinationEncoder {
  return { encode: (frames, options) => frames.flatMap((frame) => encodeOne(frame.current, frame.previous, options)) };
}
