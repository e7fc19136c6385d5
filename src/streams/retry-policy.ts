// When to try a refused or failed request again: exponential backoff, or what the destination asks
// for in `Retry-After` / `X-RateLimit-Reset`. Which statuses are retried is decided here too.
import type { TransportResponse } from './transport.js';

/** First retry delay; each failed attempt doubles it up to MAX_BACKOFF_MS. */
export const INITIAL_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 120_000;
/** Longest wait a `Retry-After` or `X-RateLimit-Reset` header is obeyed for. */
export const MAX_RETRY_AFTER_MS = 900_000;

/** 408, 429 and 5xx are worth retrying; other refusals will not change by themselves. */
export function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The delay before attempt `attempts + 1` after `attempts` failures in a row (at least 1). */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** (attempts - 1));
}

/**
 * The wait a refusal asks for: `Retry-After` in seconds or as an HTTP date, else `X-RateLimit-Reset`
 * in seconds (Datadog's), at most MAX_RETRY_AFTER_MS; undefined when neither is usable.
 */
export function retryAfterMs(headers: TransportResponse['headers'], nowMs: number): number | undefined {
  const retryAfter = headers['retry-after']?.trim();
  let ms: number | undefined;
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) ms = Number(retryAfter) * 1_000;
  else if (retryAfter !== undefined && !Number.isNaN(Date.parse(retryAfter))) ms = Math.max(0, Date.parse(retryAfter) - nowMs);
  else {
    const reset = headers['x-ratelimit-reset']?.trim();
    if (reset !== undefined && /^\d+(\.\d+)?$/.test(reset)) ms = Number(reset) * 1_000;
  }
  return ms === undefined ? undefined : Math.min(ms, MAX_RETRY_AFTER_MS);
}
