// When to try a refused or failed request again: exponential backoff with jitter, or what the
// destination asks for in `Retry-After` / `X-RateLimit-Reset`. Which statuses are retried is decided here too.
import type { TransportResponse } from './transport.js';

/** First retry delay; each failed attempt doubles it up to MAX_BACKOFF_MS. */
export const INITIAL_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 120_000;
/** Shortest wait a `Retry-After` is obeyed for: a past date or `0` retries at the next tick. */
export const MIN_RETRY_AFTER_MS = 0;
/** Longest wait a `Retry-After` or `X-RateLimit-Reset` header is obeyed for (15 minutes). */
export const MAX_RETRY_AFTER_MS = 900_000;

/** 408, 429 and 5xx are worth retrying; other refusals will not change by themselves. */
export function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The delay before attempt `attempts + 1` after `attempts` failures in a row (at least 1): the
 * exponential step, capped at MAX_BACKOFF_MS, scaled by a jitter factor in (0.5, 1] so that streams
 * failing together do not retry in lockstep ("equal jitter", AWS Architecture Blog, "Exponential
 * Backoff And Jitter", 2015). `random` returns a number in [0, 1).
 */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** Math.min(attempts - 1, 30));
  return Math.round(step * (1 - random() / 2));
}

/** An HTTP date as RFC 9110 §5.6.7 writes it (IMF-fixdate), or the obsolete RFC 850 / asctime forms. */
const HTTP_DATE = /^[A-Za-z]{3},? .*\d{2}:\d{2}:\d{2}|^[A-Za-z]{3} [A-Za-z]{3} /;

/**
 * The wait a refusal asks for: `Retry-After` in whole seconds or as an HTTP date, else
 * `X-RateLimit-Reset` in seconds (Datadog's), clamped to [MIN_RETRY_AFTER_MS, MAX_RETRY_AFTER_MS]
 * (a past date means now; `1e9` seconds means MAX_RETRY_AFTER_MS). Undefined when neither header is
 * usable (`garbage`, `-1`, `1e9` written as an exponent): the caller falls back to backoff.
 */
export function retryAfterMs(headers: TransportResponse['headers'], nowMs: number): number | undefined {
  const retryAfter = headers['retry-after']?.trim();
  let ms: number | undefined;
  if (retryAfter !== undefined && /^\d{1,15}$/.test(retryAfter)) ms = Number(retryAfter) * 1_000;
  else if (retryAfter !== undefined && HTTP_DATE.test(retryAfter) && !Number.isNaN(Date.parse(retryAfter))) ms = Date.parse(retryAfter) - nowMs;
  else {
    const reset = headers['x-ratelimit-reset']?.trim();
    if (reset !== undefined && /^\d{1,15}(\.\d+)?$/.test(reset)) ms = Number(reset) * 1_000;
  }
  return ms === undefined ? undefined : Math.min(Math.max(ms, MIN_RETRY_AFTER_MS), MAX_RETRY_AFTER_MS);
}
