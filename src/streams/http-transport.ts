// The Transport delivery uses in production: one POST over node:http or node:https, bounded in time,
// redirects returned as answers and never followed.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { OutgoingRequest, Transport, TransportResponse } from './transport.js';

/**
 * How long one request may take, connection to last byte, before it counts as unreachable: no longer
 * than a stream's flush interval (DEFAULT_FLUSH_INTERVAL_MS), so a stalled destination never holds
 * more than one export per stream.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** How much of an answer's body is kept (for OTLP's partial_success and error notes). */
const MAX_RESPONSE_BODY_BYTES = 16_384;
/**
 * How much of an answer's body is read at all; a longer answer (a 100 MB body, a gzip bomb: bodies
 * are never decompressed) is cut there and rejected with code RESPONSE_TOO_LARGE.
 */
export const MAX_RESPONSE_READ_BYTES = 1_048_576;
/** The `code` of the rejection for an answer over MAX_RESPONSE_READ_BYTES; delivery does not retry it. */
export const RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE';

/**
 * A node:http(s) transport; `timeoutMs` bounds each request (default DEFAULT_REQUEST_TIMEOUT_MS).
 * Answers over MAX_RESPONSE_READ_BYTES reject with code RESPONSE_TOO_LARGE.
 */
export function httpTransport(options: { readonly timeoutMs?: number } = {}): Transport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return { send: (request) => post(request, timeoutMs) };
}

function post(outgoing: OutgoingRequest, timeoutMs: number): Promise<TransportResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(outgoing.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: { 'User-Agent': 'am-metrics', ...outgoing.headers, 'Content-Length': String(outgoing.body.length) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    req.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.name === 'AbortError' || error.name === 'TimeoutError' ? Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }) : error);
    });
    req.once('response', (res) => void readAnswer(res).then(resolve, reject));
    req.end(outgoing.body);
  });
}

async function readAnswer(res: IncomingMessage): Promise<TransportResponse> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (kept < MAX_RESPONSE_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_RESPONSE_BODY_BYTES - kept));
    kept += chunk.length;
    if (kept > MAX_RESPONSE_READ_BYTES) {
      res.destroy();
      throw Object.assign(new Error(`answer longer than ${MAX_RESPONSE_READ_BYTES} bytes`), { code: RESPONSE_TOO_LARGE });
    }
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(res.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const bytes = Buffer.concat(chunks);
  return { status: res.statusCode ?? 0, headers, body: bytes.toString('utf8'), bytes };
}
