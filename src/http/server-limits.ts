// Bounds on what slow, stalled or numerous clients can hold on the standalone server: connections,
// timeouts, header size. The router's own cap on scrapes in flight lives in handlers.ts.
import type { Server as HttpServer, ServerOptions } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { ServerConfigError, positiveInteger } from './errors.js';

/** Open connections at once; further ones are closed by Node as they arrive. */
export const DEFAULT_MAX_CONNECTIONS = 256;
/**
 * Time a client has to send the complete request headers; also the time a new connection has to
 * finish its TLS handshake and to send its first byte.
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Time a client has to send the complete request (headers and body). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** A socket with no traffic either way for this long is destroyed: also ends a client that stops reading. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** How long an idle keep-alive connection waits for the next request (Node's default). */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Largest request head accepted (Node's default, set explicitly); larger gets 431. */
export const MAX_HEADER_BYTES = 16_384;
/** How often Node checks the headers and request timeouts; its default of 30 s would let them overrun. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Bounds for the standalone server; each field has the DEFAULT_ constant of its name. */
export interface ServerLimits {
  readonly maxConnections?: number | undefined;
  readonly headersTimeoutMs?: number | undefined;
  readonly requestTimeoutMs?: number | undefined;
  readonly idleTimeoutMs?: number | undefined;
  readonly keepAliveTimeoutMs?: number | undefined;
}

interface ResolvedLimits {
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

/** @throws ServerConfigError for a limit that is not a whole number >= 1, or headers outlasting the request. */
export function resolveLimits(limits: ServerLimits = {}): ResolvedLimits {
  const resolved = {
    maxConnections: positiveInteger('limits.maxConnections', limits.maxConnections, DEFAULT_MAX_CONNECTIONS),
    headersTimeoutMs: positiveInteger('limits.headersTimeoutMs', limits.headersTimeoutMs, DEFAULT_HEADERS_TIMEOUT_MS),
    requestTimeoutMs: positiveInteger('limits.requestTimeoutMs', limits.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    idleTimeoutMs: positiveInteger('limits.idleTimeoutMs', limits.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS),
    keepAliveTimeoutMs: positiveInteger('limits.keepAliveTimeoutMs', limits.keepAliveTimeoutMs, DEFAULT_KEEP_ALIVE_TIMEOUT_MS),
  };
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs) {
    throw new ServerConfigError('limits.headersTimeoutMs', `must not exceed limits.requestTimeoutMs (${resolved.requestTimeoutMs})`);
  }
  return resolved;
}

/** The options `http.createServer` and `https.createServer` take for these limits (`handshakeTimeout` is TLS's). */
export function serverOptions(limits: ResolvedLimits): ServerOptions & { readonly handshakeTimeout: number } {
  return {
    handshakeTimeout: limits.headersTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: MAX_HEADER_BYTES,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  };
}

/** Sets the limits that are properties of a created server rather than constructor options. */
export function applyLimits(server: HttpServer | HttpsServer, limits: ResolvedLimits): void {
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.idleTimeoutMs);
  closeSilentConnections(server, limits.headersTimeoutMs);
}

/**
 * Destroys a connection that has sent no byte of a request `ms` after it opened (after its TLS
 * handshake, which `handshakeTimeout` bounds, on HTTPS). Node's headers timeout only starts with the
 * first byte, so without this 256 silent sockets would hold every connection slot for good.
 */
function closeSilentConnections(server: HttpServer | HttpsServer, ms: number): void {
  const watch = (socket: Socket): void => {
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, ms);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  if (server instanceof HttpsServer) server.on('secureConnection', watch);
  else server.on('connection', watch);
}
