// How delivery reaches a destination: one POST, its answer. The HTTP implementation is
// http-transport.ts; tests pass their own to script outages without sockets or sleeps.

/** One request to send: URL, every header (secrets among them), body. */
export interface OutgoingRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** A destination's answer: status, lower-case headers, and the start of its body. */
export interface TransportResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The start of the body as UTF-8 text, for notes and error messages. */
  readonly body?: string;
  /** The same start of the body as received, for binary answers (OTLP protobuf); `body` encoded as UTF-8 when absent. */
  readonly bytes?: Uint8Array;
}

/**
 * Sends one request and resolves with the answer, whatever its status; redirects are answers, never
 * followed. Rejects when no answer came (refused, reset, timed out), with the error's `code` set when
 * there is one.
 */
export interface Transport {
  send(request: OutgoingRequest): Promise<TransportResponse>;
}
