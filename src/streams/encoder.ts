// The seam between delivery and wire formats: what an encoder receives (a stream's frames, one per
// second) and what it returns (request bodies). Encoders live under src/exposition/; delivery never
// looks inside a body.
import type { Collection } from '../registry/collection.js';
import type { Destination, DestinationType, Temporality } from './resource.js';
import { splitFrame } from './stream-view.js';
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
  /**
   * Largest body the destination takes, in bytes, before compression and as sent; undefined for no
   * limit. Encoders that can cut a frame by series (`splitToFit`) keep bodies under it; delivery
   * checks every body and never sends one over it.
   */
  readonly maxRequestBytes?: number;
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
  /** The body's length before its Content-Encoding, when the encoder compressed it; delivery holds it to the limit too. */
  readonly uncompressedBytes?: number;
}

/**
 * Turns frames into request bodies, each under the destination's size limits; pure, no I/O. Every
 * point belongs to exactly one request, so delivery can resend a failed request alone.
 */
export interface DestinationEncoder {
  encode(frames: readonly Frame[], options: EncodeOptions): EncodedRequest[];
  /**
   * The requests of one frame, for an encoder that writes each frame on its own (`encode` is then
   * these, frame after frame). Delivery then encodes a batch a frame at a time, giving the event loop
   * a turn before each, so a long batch (a minute of frames of a thousand series) does not stall the
   * process; without it, a batch is encoded in one call.
   */
  readonly encodeFrame?: (frame: Frame, options: EncodeOptions) => EncodedRequest[];
  /**
   * A note worth logging about a 2xx answer, or undefined; with the points the destination rejected
   * (OTLP's `partial_success.rejected_data_points`), which count as dropped. Such answers are never retried.
   */
  inspect?(response: TransportResponse): string | PartialRejection | undefined;
}

/** The encoder of each destination type; a stream whose type has none reports it in its health. */
export type Encoders = Readonly<Partial<Record<DestinationType, DestinationEncoder>>>;

/**
 * An encoder writing one body per frame (`write`, uncompressed) and sending it as `finish` says
 * (compressed, with its headers), where every body stays under `options.maxRequestBytes` before
 * compression: a frame over it is cut by series (splitFrame) into as many parts as its size asks for
 * (partsFor), and a part still over is cut again. So each series is written about twice when a frame is
 * over the limit, rather than once per halving; a delta encoder shares one baseline among the parts
 * (DeltaBaseline.of), so the cost stays linear in the series. A single series over the limit still
 * becomes a request, whose `uncompressedBytes` tell delivery to drop it (`too_large`).
 */
export function splitToFit(
  write: (frame: Frame, options: EncodeOptions) => Uint8Array,
  finish: (body: Uint8Array, options: EncodeOptions) => Pick<EncodedRequest, 'headers' | 'body'>,
): DestinationEncoder {
  const fit = (frame: Frame, options: EncodeOptions): EncodedRequest[] => {
    const body = write(frame, options);
    const limit = options.maxRequestBytes ?? Number.POSITIVE_INFINITY;
    const parts = body.length > limit ? splitFrame(frame, partsFor(seriesIn(frame.current), body.length, limit)) : undefined;
    if (parts !== undefined) return parts.flatMap((part) => fit(part, options));
    return [{ ...finish(body, options), points: seriesIn(frame.current), uncompressedBytes: body.length }];
  };
  return { encode: (frames, options) => frames.flatMap((frame) => fit(frame, options)), encodeFrame: fit };
}

/**
 * How many parts to cut a body of `bytes` holding `series` series into, each under `limit`. Parts hold
 * whole series, as evenly as splitFrame can, so each gets at most what fits in nine tenths of the limit
 * at the body's mean bytes per series; the tenth is for each part's own envelope (resource, metric
 * names) and for series longer than the mean. Cutting by bytes alone (`bytes / limit` parts, plus one)
 * left parts of a few series a few bytes over, and cut again about every other part.
 */
function partsFor(series: number, bytes: number, limit: number): number {
  const perPart = Math.max(1, Math.floor((0.9 * limit * series) / bytes));
  return Math.ceil(series / perPart);
}

/** Series in a collection: the points a frame adds, as delivery counts them. */
function seriesIn(collection: Collection): number {
  return collection.families.reduce((n, family) => n + family.series.length, 0);
}

/** An encoder from a function of one frame (current and previous collection), one request list per frame. */
export function framewise(encodeOne: (current: Collection, previous: Collection | undefined, options: EncodeOptions) => EncodedRequest[]): DestinationEncoder {
  const encodeFrame = (frame: Frame, options: EncodeOptions): EncodedRequest[] => encodeOne(frame.current, frame.previous, options);
  return { encode: (frames, options) => frames.flatMap((frame) => encodeFrame(frame, options)), encodeFrame };
}
