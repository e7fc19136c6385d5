// Notices that files the server reads its secrets from have changed, including by the symlink swap a
// Kubernetes secret volume does. What to do about a change is reload.ts's job.
import { unwatchFile, watch, watchFile, type FSWatcher, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** How often each watched file is stat()ed, in case its directory's events are missed. */
export const DEFAULT_FILE_POLL_MS = 1_000;
/** Quiet time after the last event before `onChange` runs, so a rotation writing two files reloads once. */
export const FILE_CHANGE_DEBOUNCE_MS = 200;

/** Watchers on a set of files; `close()` removes them all and cancels a pending notice. */
export interface FileWatch {
  close(): void;
}

/**
 * Calls `onChange` (debounced by FILE_CHANGE_DEBOUNCE_MS) after any of `files` may have changed.
 * Two mechanisms, because neither is enough alone:
 * - `fs.watch` on each file's directory reacts at once, and sees a Kubernetes secret update, which
 *   replaces the `..data` symlink the file points through (an event for `..data`, none for the file);
 *   an event for any name in the directory counts, so the caller must tolerate notices without change.
 * - `fs.watchFile` polls each path every `pollIntervalMs` with stat(), which follows symlinks, so a
 *   new target is seen even where directory events are not delivered (network file systems, a
 *   directory created after start).
 * Neither keeps the process alive (both are unpersistent), and `close()` removes them anyway.
 */
export function watchFiles(files: readonly string[], onChange: () => void, pollIntervalMs = DEFAULT_FILE_POLL_MS): FileWatch {
  const paths = [...new Set(files.map((file) => resolve(file)))];
  let timer: NodeJS.Timeout | undefined;
  const notice = (): void => {
    clearTimeout(timer);
    timer = setTimeout(onChange, FILE_CHANGE_DEBOUNCE_MS).unref();
  };
  const directories = [...new Set(paths.map((path) => dirname(path)))].flatMap((directory) => watchDirectory(directory, notice));
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

/** A directory watcher, or none when the directory cannot be watched (polling still covers its files). */
function watchDirectory(directory: string, notice: () => void): FSWatcher[] {
  try {
    const watcher = watch(directory, { persistent: false }, notice);
    watcher.on('error', () => watcher.close());
    return [watcher];
  } catch {
    return [];
  }
}
