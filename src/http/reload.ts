// Re-reads the settings a server takes from files (TLS certificate and key, the password file) on
// demand or when the files change, keeping the current value when a new one is unusable. Watching is
// file-watch.ts's job; what each setting is and how it is applied is the caller's.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { watchFiles, type FileWatch } from './file-watch.js';
import { ServerConfigError } from './errors.js';
import { describeError, type Logger } from './logger.js';

/** One setting a server can read again: the files it comes from, and how to read, check and apply it. */
export interface Reloadable {
  /** What it is, for log lines: `the TLS certificate and key`. */
  readonly what: string;
  readonly files: readonly string[];
  /** Reads, checks and applies the new value; throws (e.g. ServerConfigError naming the file) leaving the current one in place. */
  apply(): Promise<void>;
}

/** What one reload did to one setting; `kept` carries why the new files were refused. */
export type ReloadOutcome =
  { readonly what: string; readonly status: 'reloaded' | 'unchanged' } | { readonly what: string; readonly status: 'kept'; readonly error: unknown };

/**
 * Reloads a set of settings, one reload at a time, logging one line per setting that changed or was
 * refused. A setting whose files hold the same bytes as at the last attempt is skipped unless the
 * reload is forced (SIGHUP), so a broken file is reported once, not at every unrelated event.
 */
export class Reloader {
  private readonly seen = new Map<Reloadable, string>();
  private queue: Promise<unknown> = Promise.resolve();
  private watch: FileWatch | undefined;

  constructor(
    private readonly settings: readonly Reloadable[],
    private readonly logger: Logger,
  ) {}

  /** Notes what the files hold now; call it before the settings are first read, so no change goes unseen. */
  async remember(): Promise<void> {
    for (const setting of this.settings) this.seen.set(setting, await fingerprint(setting.files));
  }

  /** The files of every setting, or none. */
  get files(): readonly string[] {
    return this.settings.flatMap((setting) => setting.files);
  }

  /**
   * Reads every setting again (`force`) or those whose files changed, after any reload under way.
   * `trigger` names the cause in the log lines (`SIGHUP`, `file change`). Never rejects.
   */
  reload(trigger: string, force: boolean): Promise<ReloadOutcome[]> {
    const run = this.queue.then(() => Promise.all(this.settings.map((setting) => this.reloadOne(setting, trigger, force))));
    this.queue = run;
    return run;
  }

  /** Reloads on file change until `close()`; see watchFiles for how changes are noticed. */
  watchFiles(pollIntervalMs: number): void {
    if (this.files.length === 0 || this.watch !== undefined) return;
    this.watch = watchFiles(this.files, () => void this.reload('file change', false), pollIntervalMs);
  }

  close(): void {
    this.watch?.close();
  }

  private async reloadOne(setting: Reloadable, trigger: string, force: boolean): Promise<ReloadOutcome> {
    const now = await fingerprint(setting.files);
    if (!force && now === this.seen.get(setting)) return { what: setting.what, status: 'unchanged' };
    this.seen.set(setting, now);
    try {
      await setting.apply();
    } catch (error) {
      this.log(`am-metrics: ${trigger}: keeping the current ${setting.what}: ${describeReason(error)}`);
      return { what: setting.what, status: 'kept', error };
    }
    this.log(`am-metrics: ${trigger}: reloaded ${setting.what} (${setting.files.join(', ')})`);
    return { what: setting.what, status: 'reloaded' };
  }

  /**
   * Logs, ignoring a logger that throws (stderr gone: EPIPE): the reload has happened either way, and
   * a rejection here would break every later reload and, from the watcher, end the process.
   */
  private log(line: string): void {
    try {
      this.logger(line);
    } catch {
      // Nowhere left to report it.
    }
  }
}

/** The error's message alone for configuration errors (they name the file), else name and message. */
function describeReason(error: unknown): string {
  return error instanceof ServerConfigError ? error.message : describeError(error);
}

/** A digest of the files' bytes (an unreadable file counts by its error code), to tell a real change from a notice. */
async function fingerprint(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    const content = await readFile(file).catch((error: NodeJS.ErrnoException) => Buffer.from(`unreadable: ${error.code ?? 'unknown'}`));
    hash.update(`${content.length}:`).update(content);
  }
  return hash.digest('hex');
}
