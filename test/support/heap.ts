// Memory a process holds, for tests and benches that bound it (run with node --expose-gc).

/** Heap in use plus array buffers after two full GCs. @throws Error unless run with --expose-gc. */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
