// Notices that files the server reads its secrets from have changed, including by the symlink swap a
// Kubernetes secret volume does. What to do about a change is reload.ts's job.
import { unwatchFile, watch, watchFile, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** How often each watched file is stat()ed, in case its directory's events are missed. */
export const DEFAULT_FILE_POLL_MS = 1_000;
/** Quiet time after the last event before `onChange` runs, so a rotation writing two files reloads once. */
export const FILE_CHANGE_DEBOUNCE_MS = 200;
/** Longest `onChange` waits after the first pending event, however often events keep coming. */
export const FILE_CHANGE_MAX_WAIT_MS = 1_000;

/** Watchers on a set of files; `close()` removes them all and cancels a pending notice. */
export interface FileWatch {
  close(): void;
}

/**
 * Calls `onChange` after any of `files` may have changed: FILE_CHANGE_DEBOUNCE_MS after the last
 * event, but never later than FILE_CHANGE_MAX_WAIT_MS after the first, so a stream of events cannot
 * hold a rotation back. Two mechanisms, because neither is enough alone:
 * - `fs.watch` on each file's directory reacts at once, and sees a Kubernetes secret update, which
 *   replaces the `..data` symlink the file points through (an event for `..data`, none for the file).
 *   Only events naming a watched file or a `..`-entry (`..data`, `..2024_01_01_00_00_00.123`) count,
 *   so a busy neighbour (a log, a SQLite WAL, /tmp) neither delays nor triggers reloads; an event
 *   without a name counts, so the caller must still tolerate notices without change.
 * - `fs.watchFile` polls each path every `pollIntervalMs` with stat(), which follows symlinks, so a
 *   new target is seen even where directory events are not delivered (network file systems, a
 *   directory created after start).
 * Neither keeps the process alive (both are unpersistent), and `close()` removes them anyway.
 */
export function watchFiles(files: readonly string[], onChange: () => void, pollIntervalMs = DEFAULT_FILE_POLL_MS): FileWatch {
  const paths = [...new Set(files.map((file) => resolve(file)))];
  let timer: NodeJS.Timeout | undefined;
  let deadline = 0;
  const fire = (): void => {
    timer = undefined;
    onChange();
  };
  const notice = (): void => {
    const now = performance.now();
    if (timer === undefined) deadline = now + FILE_CHANGE_MAX_WAIT_MS;
    clearTimeout(timer);
    timer = setTimeout(fire, Math.min(FILE_CHANGE_DEBOUNCE_MS, deadline - now)).unref();
  };
  const directories = [...new Set(paths.map((path) => dirname(path)))].flatMap((directory) => {
    const names = new Set(paths.filter((path) => dirname(path) === directory).map((path) => basename(path)));
    return watchDirectory(directory, names, notice);
  });
  // Only content or identity counts: reading a file moves its access time, which stat() also sees.
  const onStat = (current: Stats, previous: Stats): void => {
    const isChanged = current.mtimeMs !== previous.mtimeMs || current.ctimeMs !== previous.ctimeMs || current.ino !== previous.ino || current.size !== previous.size;
    if (isChanged) notice();
  };
  for (const path of paths) watchFile(path, { persistent: false, interval: pollIntervalMs }, onStat);
  return {
    close: () => {
      clearTimeout(timer);
      for (const watcher of directories) watcher.close();
      for (const path of paths) unwatchFile(path, onStat);
    },
  };
}

/**
 * A watcher on `directory` noticing events for `names` and Kubernetes' `..` entries, or none when
 * the directory cannot be watched (polling still covers its files).
 */
function watchDirectory(directory: string, names: ReadonlySet<string>, notice: () => void): FSWatcher[] {
  const concernsUs = (name: string | null): boolean => name === null || names.has(name) || name.startsWith('..');
  try {
    const watcher = watch(directory, { persistent: false }, (_event, name) => {
      if (concernsUs(name)) notice();
    });
    watcher.on('error', () => watcher.close());
    return [watcher];
  } catch {
    return [];
  }
}
