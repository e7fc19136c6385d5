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
 * Unknown fields are skipped, as protobuf requires; a repeated field keeps its last value.
 */
function fromProtobuf(body: Uint8Array): OtlpPartialSuccess | undefined {
  const response = createReader(body);
  let partial: OtlpPartialSuccess | undefined;
  while (response.pos < response.len) {
    const [field, wireType] = response.tag();
    if (field === 1 && wireType === WIRE_TYPE.delimited) partial = partialSuccess(response.bytes());
    else response.skip(wireType, field);
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
    else if (field === 2 && wireType === WIRE_TYPE.delimited) errorMessage = reader.string();
    else reader.skip(wireType, field);
  }
  return { rejectedDataPoints, errorMessage };
}

interface JsonPartialSuccess {
  readonly rejectedDataPoints?: string | number;
  readonly rejected_data_points?: string | number;
  readonly errorMessage?: string;
  readonly error_message?: string;
}

/** OTLP JSON: lowerCamelCase field names (proto3 JSON; the original names are accepted too), int64 as a string or a number. */
function fromJson(text: string): OtlpPartialSuccess | undefined {
  const answer = JSON.parse(text) as { partialSuccess?: JsonPartialSuccess; partial_success?: JsonPartialSuccess } | null;
  const partial = answer?.partialSuccess ?? answer?.partial_success;
  if (partial === undefined || partial === null) return undefined;
  return {
    rejectedDataPoints: Number(partial.rejectedDataPoints ?? partial.rejected_data_points ?? 0),
    errorMessage: String(partial.errorMessage ?? partial.error_message ?? ''),
  };
}
