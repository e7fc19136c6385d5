// JSON text as AM's CREST view writes it: Java doubles (`2.0`, `7.69764553089487E-4`) for measured
// values, plain integers for counts and CREST's envelope numbers. What the entries hold is json-view.ts's.
import { javaDouble } from '../java-double.js';
import type { Pace } from '../../registry/time-slice.js';
import type { JsonQueryResult, StopSignal } from './json-view.js';

/** Fields AM holds as Java `long`/`int`: written as integers, never `2.0`. */
const INTEGER_FIELDS = new Set(['count', 'resultCount', 'totalPagedResults', 'remainingPagedResults', 'code']);
/** A gauge's `value` is an integer in AM when the gauge counts things; written as an integer when it is one. */
const INTEGER_WHEN_WHOLE = new Set(['value']);

/**
 * `value` as JSON text (no spaces), numbers as AM writes them: integers in INTEGER_FIELDS, and in
 * `value` when whole; every other number with Java's `Double.toString` (see javaDouble). Non-finite
 * numbers, which JSON cannot hold, become `null` (the view has already made them so).
 */
export function renderJson(value: unknown): string {
  return write(value, '');
}

/**
 * A CREST query answer as renderJson writes it, entry by entry with a yield to the event loop whenever
 * `pace` says (see time-slice.ts), so an answer of many entries never stalls other work.
 * @throws (rejects with) `signal`'s reason once it is aborted: no more is written.
 */
export async function renderQueryResult(view: JsonQueryResult, pace: Pace, signal?: StopSignal): Promise<string> {
  const { result, ...envelope } = view;
  const entries: string[] = [];
  for (const entry of result) {
    entries.push(write(entry, ''));
    const turn = pace();
    if (turn !== undefined) await turn;
    signal?.throwIfAborted();
  }
  // `result` leads the envelope, as renderJson writes it: `{"result":[…],` then the other fields.
  return `{"result":[${entries.join(',')}],${write(envelope, '').slice(1)}`;
}

function write(value: unknown, key: string): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      return numberText(value, key);
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return String(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map((item) => write(item, '')).join(',')}]`;
      return `{${Object.entries(value as Record<string, unknown>)
        .filter(([, field]) => field !== undefined)
        .map(([name, field]) => `${JSON.stringify(name)}:${write(field, name)}`)
        .join(',')}}`;
    default:
      return 'null';
  }
}

function numberText(value: number, key: string): string {
  if (!Number.isFinite(value)) return 'null';
  const isInteger = INTEGER_FIELDS.has(key) || (INTEGER_WHEN_WHOLE.has(key) && Number.isInteger(value));
  return isInteger && Number.isSafeInteger(value) ? String(value) : javaDouble(value);
}
