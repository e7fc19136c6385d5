// The messages a cluster primary and its workers exchange over the IPC channel. Every one carries a
// `type` starting with MESSAGE_PREFIX, so the application's own messages pass by untouched.
import type { RegistryState } from '../registry/registry.js';

/** Start of the `type` of every message this library sends between processes. */
export const MESSAGE_PREFIX = 'am-metrics:cluster:';
export const READY = `${MESSAGE_PREFIX}ready`;
export const STATE_REQUEST = `${MESSAGE_PREFIX}state-request`;
export const STATE_ANSWER = `${MESSAGE_PREFIX}state`;
export const FINAL_STATE = `${MESSAGE_PREFIX}final-state`;

/** A worker announces that it answers state requests. */
export interface ReadyMessage {
  readonly type: typeof READY;
}

/** The primary asks a worker for its registry state; `id` ties the answer to the request. */
export interface StateRequest {
  readonly type: typeof STATE_REQUEST;
  readonly id: number;
}

/** A worker's answer: its registry state, or why it has none. */
export type StateAnswer =
  | { readonly type: typeof STATE_ANSWER; readonly id: number; readonly state: RegistryState }
  | { readonly type: typeof STATE_ANSWER; readonly id: number; readonly error: string };

/** A worker's last state, sent unasked as it stops (see ClusterWorker.reportFinal). */
export interface FinalState {
  readonly type: typeof FINAL_STATE;
  readonly state: RegistryState;
}

/** Whether `message` is tagged as a final state; its contents are checked by the primary, not here. */
export function isFinalState(message: unknown): message is { readonly type: typeof FINAL_STATE; readonly state: unknown } {
  return typeOf(message) === FINAL_STATE;
}

export function isReady(message: unknown): message is ReadyMessage {
  return typeOf(message) === READY;
}

export function isStateRequest(message: unknown): message is StateRequest {
  return typeOf(message) === STATE_REQUEST && typeof (message as StateRequest).id === 'number';
}

/** Whether `message` is tagged as an answer; its contents are checked by the primary, not here. */
export function isStateAnswer(message: unknown): message is { readonly type: typeof STATE_ANSWER; readonly id: unknown } {
  return typeOf(message) === STATE_ANSWER;
}

function typeOf(message: unknown): unknown {
  return typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
}
