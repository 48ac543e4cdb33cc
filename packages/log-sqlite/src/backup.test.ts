import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, closeSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ABANDONED, checkLogFile, installBackup, listBackups, moveAside, openSqliteLogStore, readManifest, snapshot, verifyBackup, verifyRecords } from '@syncropel/log-sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { entry } from '@syncropel/log/contract';

const root = mkdtempSync(join(tmpdir(), 'spl-backup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const DID = `did:sync:instance:${'12'.repeat(32)}`;
let n = 0;
const fresh = () => {
  const dir = join(root, `case-${++n}`);
  return { dir, db: join(dir, 'hub.db'), backups: join(dir, 'backups') };
};
const open = (path: string) => {
  mkdirSync(dirname(path), { recursive: true });
  return openSqliteLogStore({ path });
};

describe('snapshot', () => {
  it('writes an integrity-checked rolling backup with a manifest and a generation, safe under writes', async () => {
    const c = fresh();
    const store = open(c.db);
    await store.append(Array.from({ length: 20 }, (_, i) => entry(i + 1)));
    const writing = store.append([entry(100)]);
    const result = await snapshot(store.path, { directory: c.backups, instanceDid: DID });
    await writing;
    expect(result).toMatchObject({ replaced: true, guard: null, path: join(c.backups, 'hub.db.bak') });
    expect(result.manifest).toMatchObject({ instance_did: DID, schema_version: 2, file: 'hub.db.bak' });
    expect(result.manifest.record_count).toBeGreaterThanOrEqual(20);
    expect(result.manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readManifest(result.path)).toEqual(result.manifest);
    expect(readdirSync(join(c.backups, 'generations')).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
    expect(readdirSync(c.backups).some((f) => f.includes('.tmp-'))).toBe(false);
    expect((await verifyBackup(result.path)).ok).toBe(true);
    await store.close();
  });

  it('removes temp files an interrupted snapshot left behind, but not a live process\'s', async () => {
    const c = fresh();
    const store = open(c.db);
    await store.append([entry(1)]);
    mkdirSync(c.backups, { recursive: true });
    // A process that was killed mid-snapshot (its pid is gone) and one still taking its own.
    const dead = ['', '-wal', '-journal'].map((x) => `.hub.db.bak.tmp-999999999-2026-01-01T00-00-00-000Z${x}`);
    const live = `.hub.db.bak.tmp-${process.ppid}-2026-01-01T00-00-00-000Z`;
    for (const name of [...dead, live]) closeSync(openSync(join(c.backups, name), 'w'));
    await snapshot(store.path, { directory: c.backups, instanceDid: DID });
    const left = readdirSync(c.backups).filter((f) => f.includes('.tmp-'));
    expect(left).toEqual([live]);
    await store.close();
  });

  it('never replaces a backup that holds records the store lacks (wiped store), and says why', async () => {
    const c = fresh();
    const store = open(c.db);
    await store.append(Array.from({ length: 10 }, (_, i) => entry(i + 1)));
    const good = await snapshot(store.path, { directory: c.backups, instanceDid: DID });
    await store.close();
    rmSync(c.db);
    rmSync(`${c.db}-wal`, { force: true });
    const wiped = open(c.db);
    const result = await snapshot(wiped.path, { directory: c.backups, instanceDid: DID });
    expect(result.replaced).toBe(false);
    expect(result.guard).toBe('the new snapshot holds 0 records but the backup holds 10');
    expect(result.path).toMatch(/hub\.db\.suspect-.*\.bak$/);
    expect(listBackups(c.backups).find((b) => b.path === result.path)?.kind).toBe('suspect');
    expect(readManifest(join(c.backups, 'hub.db.bak'))).toEqual(good.manifest);

    // A different history with as many records is refused too: the old head is missing.
    await wiped.append(Array.from({ length: 12 }, (_, i) => entry(i + 1, 'f')));
    const diverged = await snapshot(wiped.path, { directory: c.backups, instanceDid: DID });
    expect(diverged.guard).toMatch(/lacks record [0-9a-f]{64}, the backup's newest/);
    expect(readManifest(join(c.backups, 'hub.db.bak'))?.sha256).toBe(good.manifest.sha256);
    await wiped.close();
  });

  it('keeps at most the configured number of generations and lists backups newest first', async () => {
    const c = fresh();
    const store = open(c.db);
    let t = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 5; i++) {
      await store.append([entry(i + 1)]);
      await snapshot(store.path, { directory: c.backups, instanceDid: DID, generations: 3, now: () => (t += 60_000) });
    }
    expect(readdirSync(join(c.backups, 'generations')).filter((f) => f.endsWith('.bak'))).toHaveLength(3);
    const listed = listBackups(c.backups);
    expect(listed[0]!.manifest?.record_count).toBe(5);
    expect(listed.map((b) => b.manifest?.created_at)).toEqual([...listed.map((b) => b.manifest?.created_at)].sort().reverse());
    expect(listed.map((b) => b.kind).sort()).toEqual(['generation', 'generation', 'generation', 'rolling']);
    expect(listed.find((b) => b.kind === 'rolling')?.path).toBe(join(c.backups, 'hub.db.bak'));
    await store.close();
  });
});

describe('verify, restore primitives', () => {
  it('detects flipped bytes and a tampered manifest; moves files aside and installs a backup', async () => {
    const c = fresh();
    const store = open(c.db);
    await store.append(Array.from({ length: 30 }, (_, i) => entry(i + 1, 'a', 'alice', { pad: 'x'.repeat(500) })));
    const { path } = await snapshot(store.path, { directory: c.backups, instanceDid: DID });
    await store.close();

    const copy = join(c.dir, 'flipped.bak');
    copyFileSync(path, copy);
    copyFileSync(`${path}.json`, `${copy}.json`);
    const fd = openSync(copy, 'r+');
    writeSync(fd, Buffer.from('garbage!garbage!'), 0, 16, Math.floor(statSync(copy).size / 2));
    closeSync(fd);
    const bad = await verifyBackup(copy);
    expect(bad.ok).toBe(false);
    expect(bad.problems.join('\n')).toMatch(/sha256 [0-9a-f]{64} does not match/);
    expect((await verifyBackup(join(c.dir, 'missing.bak'))).problems).toEqual([`${join(c.dir, 'missing.bak')} does not exist`]);

    writeFileSync(`${c.db}.folds`, 'state of the old bytes');
    const aside = moveAside(c.db, 'replaced-test', ['.folds', '.verified']);
    expect(aside && existsSync(aside)).toBe(true);
    expect(existsSync(c.db)).toBe(false);
    expect(readFileSync(`${aside}.folds`, 'utf8')).toBe('state of the old bytes');
    expect(existsSync(`${c.db}.folds`)).toBe(false);
    installBackup(path, c.db);
    const restored = open(c.db);
    expect(await restored.count()).toBe(30);
    expect(restored.quickCheck()).toBe('ok');
    await restored.close();
  });
});

describe('snapshots from another process, and vacuum', () => {
  it('snapshots a live database through a connection of its own and vacuums a stopped one', async () => {
    const { vacuumFile } = await import('@syncropel/log-sqlite');
    const c = fresh();
    const store = open(c.db);
    await store.append(Array.from({ length: 40 }, (_, i) => entry(i + 1, 'b', 'bob', { pad: 'y'.repeat(2000) })));
    const result = await snapshot(c.db, { directory: c.backups, instanceDid: DID });
    expect(result.manifest.record_count).toBe(40);
    await store.close();
    const sizes = vacuumFile(c.db);
    expect(sizes.after).toBeLessThanOrEqual(sizes.before);
    const again = open(c.db);
    expect(await again.count()).toBe(40);
    await again.close();
  });
});

describe('the guard against a lost WAL', () => {
  it('keeps the backup when hub.db comes back without its WAL (committed pages lost)', async () => {
    const c = fresh();
    const store = openSqliteLogStore({ path: (mkdirSync(c.dir, { recursive: true }), c.db), checkpointIntervalMs: 0 });
    await store.append(Array.from({ length: 10 }, (_, i) => entry(i + 1)));
    store.checkpointTruncate();
    await store.append(Array.from({ length: 10 }, (_, i) => entry(i + 11)));
    const good = await snapshot(store.path, { directory: c.backups, instanceDid: DID });
    expect(good.manifest.record_count).toBe(20);
    // The main file alone, as if the -wal file had been deleted after a crash.
    const lost = join(c.dir, 'lost.db');
    copyFileSync(c.db, lost);
    await store.close();
    const reopened = openSqliteLogStore({ path: lost });
    expect(await reopened.count()).toBe(10);
    const result = await snapshot(reopened.path, { directory: c.backups, instanceDid: DID });
    expect(result.guard).toBe('the new snapshot holds 10 records but the backup holds 20');
    expect(readManifest(join(c.backups, 'hub.db.bak'))?.record_count).toBe(20);
    await reopened.close();
  });
});

/**
 * Changes the last byte of every occurrence of each marker, in place: SQLite's pages stay
 * consistent (a file can hold stale copies of a page too, hence every occurrence).
 */
function tamper(file: string, markers: readonly string[]): void {
  const bytes = readFileSync(file);
  for (const marker of markers) {
    const needle = Buffer.from(marker);
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) bytes[at + needle.length - 1] = 'Z'.charCodeAt(0);
  }
  writeFileSync(file, bytes);
}
const notes = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}${String(from + i).padStart(3, '0')}`);

describe('records are verified, not just pages', () => {
  it('refuses to let a store with tampered bodies replace or join the backups, and names them', async () => {
    const c = fresh();
    let store = open(c.db);
    await store.append(Array.from({ length: 40 }, (_, i) => entry(i + 1, 'c', 'carol', { note: `original-${String(i).padStart(3, '0')}` })));
    const good = await snapshot(store.path, { directory: c.backups, instanceDid: DID });
    expect(good.manifest.records_verified).toBe(true);
    await store.close();
    tamper(c.db, notes('original-', 0, 20));

    // SQLite cannot see it: the pages are intact.
    const pages = await checkLogFile(c.db, { integrity: 'full' });
    expect(pages.integrity).toBe('ok');
    expect(pages.bad_records).toBe(20);
    expect(pages.ok).toBe(false);
    expect(pages.problems[0]).toMatch(/^record seq 1: content does not hash to its id/);

    store = open(c.db);
    await store.append([entry(41, 'c', 'carol')]); // more records than the backup: only the content check can object
    const result = await snapshot(store.path, { directory: c.backups, instanceDid: DID });
    expect(result.replaced).toBe(false);
    expect(result.guard).toMatch(/^20 record\(s\) in the store fail verification \(record seq 1: content does not hash/);
    expect(readManifest(join(c.backups, 'hub.db.bak'))).toEqual(good.manifest);
    expect(readdirSync(join(c.backups, 'generations')).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
    expect((await verifyBackup(join(c.backups, 'hub.db.bak'))).ok).toBe(true);
    await store.close();
  });

  it('finds tampering in a backup whose manifest was rewritten to match its sha256', async () => {
    const c = fresh();
    const store = open(c.db);
    await store.append(Array.from({ length: 10 }, (_, i) => entry(i + 1, 'd', 'dave', { note: `kept-${String(i).padStart(3, '0')}` })));
    const { path, manifest } = await snapshot(store.path, { directory: c.backups, instanceDid: DID });
    await store.close();
    tamper(path, notes('kept-', 4, 7));
    const { createHash } = await import('node:crypto');
    writeFileSync(`${path}.json`, JSON.stringify({ ...manifest, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') }));
    const result = await verifyBackup(path);
    expect(result.ok).toBe(false);
    expect(result.problems).toHaveLength(3);
    expect(result.problems.every((p) => /content does not hash to its id/.test(p))).toBe(true);
  });

  it('does not let columns that hide parts of each other pass as the original record', async () => {
    const { recordId } = await import('@syncropel/algebra');
    const Database = (await import('better-sqlite3')).default;
    const c = fresh();
    await open(c.db).close();
    // The record {body: {a:1, clock:2}, clock: 5}, stored with its body cut short and the rest in
    // the clock column: the columns still concatenate to its canonical form.
    const record = { parents: [], thread: `th_${'9'.repeat(64)}`, actor: 'did:sync:user:mallory', act: 'KNOW' as const, body: { a: 1, clock: 2 }, clock: 5, data_type: 'SCALAR' as const, judged_by: null };
    const db = new Database(c.db);
    db.prepare('INSERT INTO records (id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, ingested_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, 1)').run(
      recordId(record), record.thread, record.actor, record.act, '2},"clock":5', record.data_type, '[]', '{"a":1',
    );
    db.close();
    const v = verifyRecords(c.db, { integrity: 'quick' });
    expect(v).toMatchObject({ ok: false, record_count: 1, bad_records: 1 });
    expect(v.problems[0]).toMatch(/^record seq 1: content does not hash to its id/);
  });

  it('verifies records whose canonical form is not what JSON.stringify writes (integer-like keys)', async () => {
    const c = fresh();
    const store = open(c.db);
    await store.append([entry(1, 'e', 'erin', { '10': 'ten', '9': 'nine', z: { '2': 0, '11': [1, { '0': null }] } })]);
    await store.close();
    const v = verifyRecords(c.db, { integrity: 'quick' });
    expect(v).toMatchObject({ ok: true, integrity: 'ok', record_count: 1, bad_records: 0, head_seq: 1 });
  });
});

describe('abandoning a snapshot', () => {
  it('leaves no listener on a signal shared by many snapshots', async () => {
    const c = fresh();
    const store = open(c.db);
    await store.append([entry(1, 'b', 'gus')]);
    const shared = new AbortController();
    const { EventEmitter } = await import('node:events');
    const getEventListeners = (target: EventTarget, name: string) => EventEmitter.getEventListeners(target, name);
    for (let i = 0; i < 3; i++) await snapshot(store.path, { directory: c.backups, instanceDid: DID, signal: shared.signal, now: () => Date.parse('2026-01-01T00:00:00Z') + i * 60_000 });
    // The worker's exit comes just after its answer.
    for (let i = 0; i < 100 && getEventListeners(shared.signal, 'abort').length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    await store.close();
  });

  it('ends its worker, removes its temp file and leaves the backups as they were', async () => {
    const c = fresh();
    const store = open(c.db);
    await store.append(Array.from({ length: 200 }, (_, i) => entry(i + 1, 'f', 'fay', { pad: 'z'.repeat(3000) })));
    const good = await snapshot(store.path, { directory: c.backups, instanceDid: DID });
    await store.append([entry(201, 'f', 'fay')]);
    const abort = new AbortController();
    const abandoned = snapshot(store.path, { directory: c.backups, instanceDid: DID, signal: abort.signal });
    // Once its worker has started (the snapshot hands over synchronously), well before it can finish.
    setImmediate(() => abort.abort());
    await expect(abandoned).rejects.toThrow(ABANDONED);
    expect(readdirSync(c.backups).filter((f) => f.includes('.tmp-') || f.includes('suspect'))).toEqual([]);
    expect(readManifest(join(c.backups, 'hub.db.bak'))).toEqual(good.manifest);
    expect(readdirSync(join(c.backups, 'generations')).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
    await store.close();
  });
});
