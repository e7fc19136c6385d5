// Writing responses on Node's own ServerResponse, so the handlers work under any router that passes
// it through. Short fixed bodies only: nothing from an error or the request is echoed back.
import type { ServerResponse } from 'node:http';
import type { Body } from './body.js';

/** Header values by name; an array sends the header once per value. */
export type Headers = Readonly<Record<string, string | readonly string[]>>;

/** Headers on every answer: never cached by proxies, never sniffed as HTML by browsers. */
export const COMMON_HEADERS: Headers = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

/**
 * Sends `body` with `status` and `headers`, unless the client is already gone. HEAD gets no body. A
 * Body's parts are written one after another, with its whole length as `Content-Length`.
 */
export function sendBody(res: ServerResponse, status: number, body: Buffer | Body, headers: Headers): void {
  if (res.headersSent || res.destroyed) return;
  res.removeHeader('X-Powered-By');
  res.statusCode = status;
  for (const [name, value] of Object.entries({ ...COMMON_HEADERS, ...headers })) res.setHeader(name, value);
  res.setHeader('Content-Length', body.length);
  if (Buffer.isBuffer(body)) {
    res.end(body);
    return;
  }
  for (const part of body.parts) res.write(part);
  res.end();
}

/** Sends a short plain-text answer such as `Unauthorized`. */
export function sendPlain(res: ServerResponse, status: number, text: string, headers: Headers = {}): void {
  sendBody(res, status, Buffer.from(`${text}\n`, 'utf8'), { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
}

/** Sends `value` as JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Headers = {}): void {
  sendBody(res, status, Buffer.from(JSON.stringify(value), 'utf8'), { 'Content-Type': 'application/json; charset=utf-8', ...headers });
}
