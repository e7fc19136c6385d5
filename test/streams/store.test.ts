import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { EMPTY_HEALTH } from '../../src/streams/resource.js';
import { StreamStore } from '../../src/streams/store.js';
import { StreamStoreError } from '../../src/streams/errors.js';
import { newStreamId, STREAM_ID_PATTERN, type MetricStream } from '../../src/streams/resource.js';

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'streams-store-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'streams.db');
}

function stream(name: string): MetricStream {
  return {
    id: newStreamId(),
    name,
    status: 'enabled',
    subscriptions: [{ metric_type: 'metrics_bridge.api_request' }],
    destination: { type: 'datadog', configuration: { api_key: 'secret-key', site: 'datadoghq.com' } },
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}

function openFor(file: string): StreamStore {
  const store = StreamStore.open(file);
  onTestFinished(() => store.close());
  return store;
}

describe('StreamStore', () => {
  // A paging client holds `next` while others delete streams: the stream it named, or every stream
  // up to the last one, may be gone by the time it asks.
  it.each([
    ['the stream the cursor starts at', ['c']],
    ['that stream and the one after it', ['c', 'd']],
    ['every stream the next page would hold', ['c', 'd', 'e']],
  ])('goes on paging when %s was deleted, skipping and repeating no stream still stored', (_case, deleted) => {
    const store = openFor(':memory:');
    const streams = ['a', 'b', 'c', 'd', 'e'].map(stream);
    for (const s of streams) store.insert(s);
    const first = store.page(2);
    for (const name of deleted) store.delete(streams.find((s) => s.name === name)!.id);
    const late = stream('f');
    store.insert(late);
    const names: string[] = [];
    for (let page = store.page(2, first?.next); page !== undefined; page = page.next === undefined ? undefined : store.page(2, page.next)) {
      names.push(...page.streams.map((s) => s.name));
      if (page.next === undefined) break;
    }
    expect(names).toEqual(['c', 'd', 'e', 'f'].filter((name) => !deleted.includes(name)));
  });

  it.each([['not base64 at all'], ['c2VxOjA'], ['c2VxOi0x'], ['c2VxOjE='], ['']])('takes %j for neither a cursor nor a stream id', (from) => {
    const store = openFor(':memory:');
    store.insert(stream('a'));
    expect(store.page(2, from)).toBeUndefined();
  });

  it('creates its file with mode 0600 and keeps streams and health across reopening', () => {
    const file = tempFile();
    const first = StreamStore.open(file);
    const a = stream('a');
    expect(first.insert(a)).toBe(true);
    first.saveHealth(a.id, { ...EMPTY_HEALTH, last_success_at: 'x', points_sent: 7 });
    first.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = openFor(file);
    expect(second.get(a.id)).toEqual(a);
    expect(second.health(a.id).points_sent).toBe(7);
  });

  it('refuses a duplicate name and pages in creation order with a next cursor, or from a stream id', () => {
    const store = openFor(':memory:');
    const streams = ['a', 'b', 'c'].map(stream);
    for (const s of streams) store.insert(s);
    expect(store.insert({ ...stream('b') })).toBe(false);
    const first = store.page(2);
    expect(first?.streams).toEqual(streams.slice(0, 2));
    expect(store.page(2, first?.next)).toEqual({ streams: streams.slice(2), next: undefined });
    expect(store.page(2, streams[1]?.id)).toEqual({ streams: streams.slice(1), next: undefined });
    expect(store.page(2, newStreamId())).toBeUndefined();
    expect(store.count()).toBe(3);
    expect(store.update({ ...streams[0]!, name: 'b' })).toBe(false);
    expect(store.delete(streams[1]!.id)).toBe(true);
    expect(store.update({ ...streams[0]!, name: 'b' })).toBe(true);
  });

  it('fails to open a file that is not a database, and leaves it as it was', () => {
    const file = tempFile();
    writeFileSync(file, 'this is not sqlite, just some text that is long enough to have a header '.repeat(20));
    const before = readFileSync(file);
    expect(() => StreamStore.open(file)).toThrow(StreamStoreError);
    expect(() => StreamStore.open(file)).toThrow(/not a usable SQLite database/);
    expect(readFileSync(file)).toEqual(before);
  });

  it('fails to open a database whose pages are damaged, and leaves it as it was', () => {
    const file = tempFile();
    const store = StreamStore.open(file);
    for (let i = 0; i < 50; i += 1) store.insert(stream(`stream-${i}`));
    store.close();
    const bytes = readFileSync(file);
    bytes.fill(0xa5, 4096 + 8, 4096 * 2);
    writeFileSync(file, bytes);
    expect(() => StreamStore.open(file)).toThrow(/corrupt|not a usable/);
    expect(readFileSync(file)).toEqual(bytes);
  });

  // `--streams-db app.db` pointed at another program's database by mistake: adding tables to it and
  // overwriting its user_version (which many programs keep their schema migrations in) would harm it.
  it("fails to open another application's SQLite database, and leaves it as it was", () => {
    const file = tempFile();
    const other = new Database(file);
    other.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users (email) VALUES ('a@example.com'); PRAGMA user_version = 1;");
    other.close();
    const before = readFileSync(file);
    expect(() => StreamStore.open(file)).toThrow(StreamStoreError);
    expect(() => StreamStore.open(file)).toThrow(/another application's tables \(users\)/);
    expect(readFileSync(file)).toEqual(before);
  });

  it('fails to open a file another store holds', () => {
    const file = tempFile();
    openFor(file);
    expect(() => StreamStore.open(file)).toThrow(/locked by another process/);
  });

  it('makes ids of mst_ and 22 base58 characters', () => {
    const ids = new Set(Array.from({ length: 200 }, newStreamId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(STREAM_ID_PATTERN);
  });
});
