// The one error the cluster side throws: it is set up in a process that cannot play its role, or with
// options it cannot use. What goes wrong while scraping is counted and logged instead (see primary.ts).

/** `clusterMetrics.worker()` outside a process with an IPC channel, `primary()` outside the primary, or a bad option. */
export class ClusterConfigError extends Error {
  override readonly name = 'ClusterConfigError';
}
