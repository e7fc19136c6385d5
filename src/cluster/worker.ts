// The worker side of a host-wide scrape: answers the primary's state requests over the IPC channel
// with this process's registry state. Merging and serving are the primary's job (primary.ts).
import type { RegistryState } from '../registry/registry.js';
import { ClusterConfigError } from './errors.js';
import { FINAL_STATE, isStateRequest, READY, STATE_ANSWER, type FinalState, type ReadyMessage, type StateAnswer } from './protocol.js';

/** What a worker reports: a registry (anything with `state()`), or something holding one (`createAmMetrics()`'s result). */
export type WorkerSource = { state(): Promise<RegistryState> } | { readonly registry: { state(): Promise<RegistryState> } };

/** A worker answering its primary; `stop()` stops answering (the primary then counts timeouts). */
export interface ClusterWorker {
  stop(): void;
  /**
   * Sends this worker's state one last time, unasked, and stops answering. Call it once the worker
   * records nothing more (on SIGTERM, after its server closed), just before it exits: the primary
   * takes it as the worker's last word, so what was recorded since the primary last asked still
   * reaches the scrape and the metric streams' final flush. Resolves once the message is handed to
   * the IPC channel, or at once when the channel is gone or the state cannot be read; never rejects.
   */
  reportFinal(): Promise<void>;
}

/**
 * Answers the cluster primary's requests with `await registry.state()`, and tells the primary at once
 * that this worker is ready, so a scrape does not wait on a worker that is still starting. Messages
 * that are not this library's (their `type` does not start with `am-metrics:cluster:`) are ignored.
 * A state that cannot be read or sent is answered with the error's message; the primary counts it. The
 * listener keeps the IPC channel (and so the process) alive until `stop()`.
 * @throws ClusterConfigError when this process has no IPC channel (it was not forked by a primary).
 */
export function reportToPrimary(source: WorkerSource): ClusterWorker {
  if (typeof process.send !== 'function') {
    throw new ClusterConfigError('clusterMetrics.worker() needs an IPC channel to the primary: call it in a cluster worker');
  }
  const registry = 'state' in source ? source : source.registry;
  const onMessage = (message: unknown): void => {
    if (isStateRequest(message)) void answer(registry, message.id);
  };
  process.on('message', onMessage);
  send({ type: READY } satisfies ReadyMessage);
  return {
    stop: () => process.off('message', onMessage),
    reportFinal: async () => {
      process.off('message', onMessage);
      const state = await registry.state().catch(() => undefined);
      if (state !== undefined) await sent({ type: FINAL_STATE, state } satisfies FinalState);
    },
  };
}

/** Sends to the primary and resolves once the channel took the message (or refused it); never rejects. */
function sent(message: FinalState): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    try {
      process.send?.(message, undefined, {}, () => resolve());
    } catch {
      resolve(); // a state the channel cannot serialize: the primary keeps the worker's last answer
    }
  });
}

/**
 * Sends the registry's state, or why there is none. A state the channel cannot serialize (a BigInt or
 * a cycle from a hand-written source) throws in `process.send`; it is answered as an error instead,
 * since the throw would otherwise end the worker as an unhandled rejection.
 */
async function answer(registry: { state(): Promise<RegistryState> }, id: number): Promise<void> {
  try {
    send({ type: STATE_ANSWER, id, state: await registry.state() });
  } catch (error) {
    send({ type: STATE_ANSWER, id, error: error instanceof Error ? error.message : String(error) });
  }
}

/** Sends to the primary; a channel that closed meanwhile (the primary is going) drops the message. */
function send(message: ReadyMessage | StateAnswer): void {
  if (process.connected) process.send?.(message, undefined, {}, () => {});
}
