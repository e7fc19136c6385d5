// Reads an OTLP/HTTP receiver's answer to a metrics export (ExportMetricsServiceResponse), protobuf or
// JSON, for the one thing in it: partial_success. What a stream does with it is src/streams' business.
import { createReader, WIRE_TYPE } from '../push/protobuf-writer.js';

/** Points the receiver accepted the request of but rejected, and why (`error_message`, may be empty). */
export interface OtlpPartialSuccess {
  readonly rejectedDataPoints: number;
  readonly errorMessage: string;
}

/**
 * The `partial_success` of an ExportMetricsServiceResponse, or undefined when the answer reports full
 * success: an empty body, no partial_success, or one with 0 rejected points and no message (the
 * receiver MAY send a message with 0 rejected points as a warning; that is returned). A Content-Type
 * naming JSON, or none with a body starting with `{`, is read as OTLP JSON; anything else as protobuf.
 * @throws Error naming the body's length and the cause when the body is neither, or is text (`text/*`,
 *   a proxy's page, say) rather than an ExportMetricsServiceResponse.
 */
export function decodeOtlpPartialSuccess(body: Uint8Array, contentType: string | undefined): OtlpPartialSuccess | undefined {
  if (body.length === 0) return undefined;
  if (contentType !== undefined && /^\s*text\//i.test(contentType)) {
    throw new Error(`a ${contentType.split(';')[0]?.trim()} answer of ${body.length} bytes, not an OTLP ExportMetricsServiceResponse`);
  }
  const isJson = contentType === undefined ? body[0] === 0x7b /* { */ : /\bjson\b/i.test(contentType);
  let partial: OtlpPartialSuccess | undefined;
  try {
    partial = isJson ? fromJson(Buffer.from(body).toString('utf8')) : fromProtobuf(body);
  } catch (error) {
    throw new Error(`unreadable OTLP ${isJson ? 'JSON' : 'protobuf'} answer of ${body.length} bytes: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  if (partial !== undefined && !(Number.isSafeInteger(partial.rejectedDataPoints) && partial.rejectedDataPoints >= 0)) {
    throw new Error(`OTLP answer of ${body.length} bytes: rejected_data_points is ${partial.rejectedDataPoints}`);
  }
  return partial === undefined || (partial.rejectedDataPoints === 0 && partial.errorMessage === '') ? undefined : partial;
}

/**
 * metrics_service.proto: ExportMetricsServiceResponse.partial_success = 1;
 * ExportMetricsPartialSuccess.rejected_data_points = 1 (int64), error_message = 2 (string).
 * Unknown fields are skipped, as protobuf requires; a repeated field keeps its last value. A body cut
 * short (a transport keeps only the first KiB of an answer) still gives what precedes the cut:
 * rejected_data_points comes first on the wire, and a cut error_message is kept as far as it goes.
 */
function fromProtobuf(body: Uint8Array): OtlpPartialSuccess | undefined {
  const response = createReader(body);
  let partial: OtlpPartialSuccess | undefined;
  while (response.pos < response.len) {
    const [field, wireType] = response.tag();
    if (field === 1 && wireType === WIRE_TYPE.delimited) {
      const length = response.uint32();
      const end = Math.min(response.pos + length, response.len);
      partial = partialSuccess(body.subarray(response.pos, end));
      response.pos = end;
    } else response.skip(wireType, field);
  }
  return partial;
}

function partialSuccess(bytes: Uint8Array): OtlpPartialSuccess {
  const reader = createReader(bytes);
  let rejectedDataPoints = 0;
  let errorMessage = '';
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WIRE_TYPE.varint) rejectedDataPoints = Number(reader.int64());
    else if (field === 2 && wireType === WIRE_TYPE.delimited) {
      const length = reader.uint32();
      const end = Math.min(reader.pos + length, reader.len);
      errorMessage = Buffer.from(bytes.subarray(reader.pos, end)).toString('utf8') + (end < reader.pos + length ? ' (cut)' : '');
      reader.pos = end;
    } else reader.skip(wireType, field);
  }
  return { rejectedDataPoints, errorMessage };
}

interface JsonPartialSuccess {
  readonly rejectedDataPoints?: string | number;
  readonly rejected_data_points?: string | number;
  readonly errorMessage?: string;
  readonly error_message?: string;
}

/** In a JSON answer cut short: the rejected count, when the cut comes after it. */
const REJECTED_IN_JSON = /"(?:rejectedDataPoints|rejected_data_points)"\s*:\s*"?(\d+)"?\s*[,}]/;

/**
 * OTLP JSON: lowerCamelCase field names (proto3 JSON; the original names are accepted too), int64 as a
 * string or a number. An answer cut short that no longer parses still gives its rejected count.
 */
function fromJson(text: string): OtlpPartialSuccess | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const rejected = REJECTED_IN_JSON.exec(text)?.[1];
    if (rejected === undefined) throw error;
    return { rejectedDataPoints: Number(rejected), errorMessage: '(answer cut before its end)' };
  }
  const answer = parsed as { partialSuccess?: JsonPartialSuccess; partial_success?: JsonPartialSuccess } | null;
  const partial = answer?.partialSuccess ?? answer?.partial_success;
  if (partial === undefined || partial === null) return undefined;
  return {
    rejectedDataPoints: Number(partial.rejectedDataPoints ?? partial.rejected_data_points ?? 0),
    errorMessage: String(partial.errorMessage ?? partial.error_message ?? ''),
  };
}
