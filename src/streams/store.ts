// Metric streams on disk: one SQLite file (better-sqlite3, loaded nowhere else) holding each stream
// and its delivery health. What a stream may contain is validation.ts's business.
import { chmodSync, closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { StreamStoreError } from './errors.js';
import { EMPTY_HEALTH, type MetricStream, type StreamHealth } from './resource.js';

/** The schema this code writes, kept in SQLite's `user_version`. */
const SCHEMA_VERSION = 1;
/** How long opening waits for another connection's lock before calling the file locked. */
const LOCK_WAIT_MS = 200;
/** The file name `--streams-db` defaults to, in the working directory. */
export const DEFAULT_STREAMS_DB = 'am-metrics-streams.db';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS metric_streams (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS stream_health (
    id TEXT PRIMARY KEY REFERENCES metric_streams(id) ON DELETE CASCADE,
    body TEXT NOT NULL
  );`;

/** The tables SCHEMA creates; a file holding any other belongs to another application. */
const TABLES = ['metric_streams', 'stream_health'];

/** One page of streams in creation order, and the cursor of the next page, if any (see StreamStore.page). */
export interface StreamPage {
  readonly streams: readonly MetricStream[];
  readonly next: string | undefined;
}

/** The SQLite driver: an optional dependency of the package, loaded by the first open (see loadSqlite). */
const SQLITE_PACKAGE = 'better-sqlite3';
let sqlite: typeof Database | undefined;

/**
 * better-sqlite3, loaded on the first open. Why lazily: it is a native addon, so an optional
 * dependency (npm leaves it out where it cannot be built, or under `--omit=optional`), and the root
 * entry, `am-metrics/express` and `am-metrics serve` without streams must work without it. Why
 * `require` and not `await import()`: `open` stays synchronous, and createRequire works whether this
 * module was imported or `require()`d. Opening an in-memory database once tells a missing native
 * addon (install scripts skipped, built for another Node) from trouble with the caller's file.
 * @throws StreamStoreError naming the package, about `file`, when it is not installed or does not load.
 */
function loadSqlite(file: string): typeof Database {
  if (sqlite !== undefined) return sqlite;
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    // Spelt out, not SQLITE_PACKAGE: the packed-install test finds the packages the build loads by reading it.
    main = require.resolve('better-sqlite3');
  } catch {
    throw new StreamStoreError(
      file,
      `${SQLITE_PACKAGE} is not installed (an optional dependency of am-metrics, which metric streams need: npm install ${SQLITE_PACKAGE})`,
      SQLITE_PACKAGE,
    );
  }
  try {
    const loaded = require(main) as typeof Database;
    new loaded(':memory:').close();
    sqlite = loaded;
    return loaded;
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new StreamStoreError(
      file,
      `${SQLITE_PACKAGE} is installed but does not load (${why}); rebuild it for this Node.js: npm rebuild ${SQLITE_PACKAGE}`,
      SQLITE_PACKAGE,
    );
  }
}

/** What a page cursor says before base64url: `seq:` and the place in creation order the next page starts at. */
const CURSOR_PATTERN = /^seq:([1-9]\d{0,14})$/;

/** The opaque cursor of the page starting at creation place `seq`. */
function cursorOf(seq: number): string {
  return Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');
}

/** The creation place a cursor names; undefined for anything else (a stream id, garbage). */
function seqOfCursor(cursor: string): number | undefined {
  const match = CURSOR_PATTERN.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  // Node's base64url decoder skips characters outside the alphabet; only the canonical spelling counts.
  return match === null || cursorOf(Number(match[1])) !== cursor ? undefined : Number(match[1]);
}

/**
 * The stream store. Opening holds an exclusive lock on the file until `close()`, so two exporters
 * never share one; secrets are stored in clear, which is why the file is created with mode 0600.
 */
export class StreamStore {
  private constructor(private readonly db: Database.Database) {}

  /**
   * Opens `file`, creating it (mode 0600) and its tables when absent. `':memory:'` keeps streams in
   * memory only.
   * @throws StreamStoreError when the file cannot be created or read, is not a SQLite database, fails
   *   its integrity check, holds another application's tables, is held by another process, or carries
   *   a newer schema. Nothing is reset or added to. Also, with `missingPackage` set and no file
   *   created, when better-sqlite3 is not installed or does not load (see loadSqlite).
   */
  static open(file: string): StreamStore {
    const Sqlite = loadSqlite(file);
    if (file !== ':memory:') createPrivately(file);
    let db: Database.Database | undefined;
    try {
      db = new Sqlite(file, { timeout: LOCK_WAIT_MS });
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('foreign_keys = ON');
      checkIntegrity(db, file);
      db.exec(`BEGIN EXCLUSIVE; ${SCHEMA} COMMIT;`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return new StreamStore(db);
    } catch (error) {
      db?.close();
      if (error instanceof StreamStoreError) throw error;
      throw new StreamStoreError(file, explain(error));
    }
  }

  /**
   * Up to `take` streams in creation order, from `from` on: a `next` cursor of an earlier page, or a
   * stream id. Undefined when `from` is neither a cursor nor the id of a stored stream.
   * Why a cursor and not the next stream's id: a client pages at its own pace, and the stream that
   * would start its next page may be deleted meanwhile. The cursor holds that stream's place in
   * creation order (its `seq`, which SQLite's AUTOINCREMENT never hands out twice), so the next page
   * starts at the first stream created at or after that place: none still stored is skipped or
   * repeated, whatever was deleted in between, and streams created meanwhile come at the end.
   */
  page(take: number, from?: string): StreamPage | undefined {
    let start = 0;
    if (from !== undefined) {
      const seq = seqOfCursor(from) ?? (this.db.prepare('SELECT seq FROM metric_streams WHERE id = ?').get(from) as { seq: number } | undefined)?.seq;
      if (seq === undefined) return undefined;
      start = seq;
    }
    const rows = this.db.prepare('SELECT seq, body FROM metric_streams WHERE seq >= ? ORDER BY seq LIMIT ?').all(start, take + 1) as { seq: number; body: string }[];
    const streams = rows.slice(0, take).map((row) => JSON.parse(row.body) as MetricStream);
    const next = rows[take];
    return { streams, next: next === undefined ? undefined : cursorOf(next.seq) };
  }

  /** How many streams are stored, enabled or not. */
  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM metric_streams').pluck().get() as number;
  }

  /** Every stream, in creation order. */
  all(): MetricStream[] {
    return (this.db.prepare('SELECT body FROM metric_streams ORDER BY seq').all() as { body: string }[]).map((row) => JSON.parse(row.body) as MetricStream);
  }

  get(id: string): MetricStream | undefined {
    const row = this.db.prepare('SELECT body FROM metric_streams WHERE id = ?').get(id) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as MetricStream);
  }

  /** The id of the stream called `name`, if any. */
  idByName(name: string): string | undefined {
    return (this.db.prepare('SELECT id FROM metric_streams WHERE name = ?').get(name) as { id: string } | undefined)?.id;
  }

  /** Adds a stream; false (and nothing stored) when its name or id is taken. */
  insert(stream: MetricStream): boolean {
    const result = this.db.prepare('INSERT OR IGNORE INTO metric_streams (id, name, body) VALUES (?, ?, ?)').run(stream.id, stream.name, JSON.stringify(stream));
    return result.changes === 1;
  }

  /** Replaces a stream (same id); false when its new name is another stream's or the id is unknown. */
  update(stream: MetricStream): boolean {
    const clash = this.idByName(stream.name);
    if (clash !== undefined && clash !== stream.id) return false;
    return this.db.prepare('UPDATE metric_streams SET name = ?, body = ? WHERE id = ?').run(stream.name, JSON.stringify(stream), stream.id).changes === 1;
  }

  /** Removes a stream and its health; false when the id is unknown. */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM metric_streams WHERE id = ?').run(id).changes === 1;
  }

  health(id: string): StreamHealth {
    const row = this.db.prepare('SELECT body FROM stream_health WHERE id = ?').get(id) as { body: string } | undefined;
    return row === undefined ? EMPTY_HEALTH : { ...EMPTY_HEALTH, ...(JSON.parse(row.body) as Partial<StreamHealth>) };
  }

  /** Saves a stream's health; ignored when the stream was deleted meanwhile. */
  saveHealth(id: string, health: StreamHealth): void {
    this.db
      .prepare(
        'INSERT INTO stream_health (id, body) SELECT ?, ? WHERE EXISTS (SELECT 1 FROM metric_streams WHERE id = ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body',
      )
      .run(id, JSON.stringify(health), id);
  }

  /** Releases the file and its lock. */
  close(): void {
    this.db.close();
  }
}

/** Creates `file` with mode 0600 if it does not exist; an existing file keeps its mode. */
function createPrivately(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
    chmodSync(file, 0o600); // the umask may have taken bits away, never added them; this is for clarity
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new StreamStoreError(file, `cannot create the file (${(error as NodeJS.ErrnoException).code ?? explain(error)})`);
  }
}

function checkIntegrity(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new StreamStoreError(file, `was written by a newer am-metrics (schema ${version}, this one reads ${SCHEMA_VERSION})`);
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') throw new StreamStoreError(file, `is corrupt (SQLite quick_check: ${String(check)}); restore it from a backup or move it away`);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const foreign = tables.filter((table) => !TABLES.includes(table));
  if (foreign.length > 0) throw new StreamStoreError(file, `holds another application's tables (${foreign.join(', ')}); give the metric streams a file of their own`);
}

function explain(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return 'is locked by another process (is another am-metrics using it?)';
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return 'is not a usable SQLite database (corrupt or another kind of file); restore it from a backup or move it away';
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return `cannot be opened for writing (${code})`;
    default:
      return `cannot be opened (${code ?? (error instanceof Error ? error.message : String(error))})`;
  }
}
