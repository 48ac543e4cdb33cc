import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, existsSync, fsyncSync, linkSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { recordId, type Act, type DataType, type JsonObject } from '@syncropel/algebra';
import Database from 'better-sqlite3';
/** Anything that can write a consistent copy of a log database: an open store, or {@link openBackupSource}. */
export interface BackupSource {
  backupTo(destination: string): Promise<void>;
}

/**
 * A read-only handle on a database file for taking snapshots from another process (e.g. the CLI
 * while the daemon writes): SQLite's backup API gives a consistent copy under WAL.
 */
export function openBackupSource(path: string): BackupSource & { close(): void } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  return {
    async backupTo(destination) {
      await db.backup(destination, { progress: () => 0x7fffffff });
    },
    close: () => db.close(),
  };
}

/** Rewrites a database file compactly (`VACUUM`). The caller makes sure no daemon has it open. */
export function vacuumFile(path: string): { before: number; after: number } {
  const before = statSync(path).size;
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
  } finally {
    db.close();
  }
  return { before, after: statSync(path).size };
}

/** The rolling backup's file name, and its manifest beside it. */
export const BACKUP_FILE = 'hub.db.bak';
export const MANIFEST_SUFFIX = '.json';

/** How many snapshots the guard set aside (`hub.db.suspect-*.bak`) are kept; older ones are removed. */
export const MAX_SUSPECTS = 3;

/** How many generations are kept besides the rolling backup. */
export const DEFAULT_BACKUP_GENERATIONS = 7;

/** What a backup holds, written beside it; enough to verify it and to compare two backups. */
export interface BackupManifest {
  readonly instance_did: string;
  readonly record_count: number;
  readonly head_seq: number;
  readonly head_id: string | null;
  readonly sha256: string;
  readonly bytes: number;
  readonly schema_version: number;
  readonly created_at: string;
  readonly file: string;
}

/** The outcome of one snapshot. */
export interface SnapshotResult {
  /** The file now holding this snapshot: the rolling backup, or a `.suspect` file when the guard kept the old one. */
  readonly path: string;
  readonly manifest: BackupManifest;
  /** True when the rolling backup was replaced by this snapshot. */
  readonly replaced: boolean;
  /** Why the rolling backup was kept instead (the guard), or null. */
  readonly guard: string | null;
}

/** Options for {@link snapshot}. */
export interface SnapshotOptions {
  readonly directory: string;
  readonly instanceDid: string;
  readonly generations?: number;
  readonly now?: () => number;
}

/**
 * Takes an online, consistent snapshot of the store into `directory`: written to a temp file with
 * the SQLite backup API, `PRAGMA integrity_check`ed, fsynced, described by a manifest, then
 * atomically renamed to `hub.db.bak`, with a hard-linked generation kept (default 7).
 *
 * The guard: the rolling backup is never replaced by a snapshot that holds less — fewer records,
 * a head the old backup's head is not part of, or a failed integrity check. Such a snapshot is
 * kept beside it as `hub.db.suspect-<time>.bak` and the reason is returned, so a wiped or corrupt
 * `hub.db` can never overwrite the last good copy.
 */
export async function snapshot(store: BackupSource, options: SnapshotOptions): Promise<SnapshotResult> {
  const now = options.now ?? Date.now;
  const { directory } = options;
  mkdirSync(join(directory, 'generations'), { recursive: true, mode: 0o700 });
  const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
  const temp = join(directory, `.${BACKUP_FILE}.tmp-${process.pid}-${stamp}`);
  removeStaleTemps(directory);
  rmSync(temp, { force: true });
  try {
    await store.backupTo(temp);
    selfContained(temp);
    fsyncFile(temp);
    const facts = inspect(temp);
    const manifest: BackupManifest = { instance_did: options.instanceDid, ...facts.manifest, sha256: await sha256File(temp), bytes: statSync(temp).size, created_at: new Date(now()).toISOString(), file: BACKUP_FILE };
    const rolling = join(directory, BACKUP_FILE);
    // Without its manifest, the rolling backup still counts: describe it from the file itself.
    const previous = readManifest(rolling) ?? describeExisting(rolling, options.instanceDid);
    const guard = facts.integrity !== 'ok' ? `the new snapshot fails its integrity check (${facts.integrity})` : previous ? lessThan(previous, manifest, temp) : null;
    if (guard) {
      const suspect = join(directory, `hub.db.suspect-${stamp}.bak`);
      renameSync(temp, suspect);
      writeManifest(suspect, { ...manifest, file: basename(suspect) });
      pruneSuspects(directory, MAX_SUSPECTS);
      return { path: suspect, manifest: { ...manifest, file: basename(suspect) }, replaced: false, guard };
    }
    renameSync(temp, rolling);
    writeManifest(rolling, manifest);
    fsyncDir(directory);
    const generation = join(directory, 'generations', `hub.db.${stamp}.bak`);
    linkSync(rolling, generation);
    writeManifest(generation, { ...manifest, file: basename(generation) });
    prune(join(directory, 'generations'), options.generations ?? DEFAULT_BACKUP_GENERATIONS);
    return { path: rolling, manifest, replaced: true, guard: null };
  } finally {
    for (const extra of ['', '-wal', '-shm', '-journal']) rmSync(`${temp}${extra}`, { force: true });
  }
}

/**
 * Removes what interrupted snapshots left behind (a killed process never reaches its `finally`):
 * temp files, with their -wal/-shm/-journal, named after a process that no longer runs. A live
 * process's temp file is another snapshot in progress and is left alone.
 */
export function removeStaleTemps(directory: string): string[] {
  const removed: string[] = [];
  const prefix = `.${BACKUP_FILE}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || alive(pid)) continue;
    rmSync(join(directory, name), { force: true });
    removed.push(name);
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The result of checking a backup file. */
export interface VerifyResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly manifest: BackupManifest | null;
  readonly record_count: number;
}

/**
 * Verifies a backup: `PRAGMA integrity_check`, the manifest's sha256 and counts, and the record
 * chain (every record's id recomputed from its content, seqs strictly increasing).
 */
export async function verifyBackup(file: string): Promise<VerifyResult> {
  const problems: string[] = [];
  if (!existsSync(file)) return { ok: false, problems: [`${file} does not exist`], manifest: null, record_count: 0 };
  const manifest = readManifest(file);
  if (!manifest) problems.push(`no manifest beside ${basename(file)} (${basename(file)}${MANIFEST_SUFFIX})`);
  else {
    const sha = await sha256File(file);
    if (sha !== manifest.sha256) problems.push(`sha256 ${sha} does not match the manifest's ${manifest.sha256}`);
  }
  let count = 0;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const integrity = (db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
    if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);
    let lastSeq = 0;
    for (const row of db.prepare('SELECT seq, id, thread, actor, act, clock, data_type, parents, body FROM records ORDER BY seq').iterate() as Iterable<Row>) {
      count++;
      if (row.seq <= lastSeq) problems.push(`seq ${row.seq} does not increase`);
      lastSeq = row.seq;
      const id = recordId({
        parents: JSON.parse(row.parents) as string[],
        thread: row.thread,
        actor: row.actor,
        act: row.act as Act,
        body: JSON.parse(row.body) as JsonObject,
        clock: row.clock,
        data_type: row.data_type as DataType,
        judged_by: null,
      });
      if (id !== row.id) problems.push(`record seq ${row.seq}: content does not hash to its id`);
      if (problems.length > 20) break;
    }
    if (manifest && manifest.record_count !== count) problems.push(`holds ${count} records; the manifest says ${manifest.record_count}`);
  } catch (e) {
    problems.push(`cannot read it as a Syncropel log: ${(e as Error).message}`);
  } finally {
    db?.close();
  }
  return { ok: problems.length === 0, problems, manifest, record_count: count };
}

/** Backups in a directory (rolling, generations, suspects), newest first. */
export function listBackups(directory: string): { path: string; manifest: BackupManifest | null }[] {
  const files: string[] = [];
  for (const dir of [directory, join(directory, 'generations')]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) if (name.endsWith('.bak')) files.push(join(dir, name));
  }
  return files
    .map((path) => ({ path, manifest: readManifest(path) }))
    .sort((a, b) => (b.manifest?.created_at ?? '').localeCompare(a.manifest?.created_at ?? ''));
}

/** The manifest beside a backup file, or null. */
export function readManifest(file: string): BackupManifest | null {
  try {
    return JSON.parse(readFileSync(`${file}${MANIFEST_SUFFIX}`, 'utf8')) as BackupManifest;
  } catch {
    return null;
  }
}

/** Counts and head of a database file, read-only. */
export function inspect(file: string): { integrity: string; manifest: Pick<BackupManifest, 'record_count' | 'head_seq' | 'head_id' | 'schema_version'> } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
    const { n } = db.prepare('SELECT count(*) AS n FROM records').get() as { n: number };
    const head = db.prepare('SELECT seq, id FROM records ORDER BY seq DESC LIMIT 1').get() as { seq: number; id: string } | undefined;
    const schema = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = '__drizzle_migrations'").get() as { n: number };
    const version = schema.n ? (db.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n : 0;
    return { integrity, manifest: { record_count: n, head_seq: head?.seq ?? 0, head_id: head?.id ?? null, schema_version: version } };
  } finally {
    db.close();
  }
}

/** Why `next` holds less than `previous` (so must not replace it), or null when it holds at least as much. */
function lessThan(previous: BackupManifest, next: BackupManifest, nextFile: string): string | null {
  if (next.record_count < previous.record_count) {
    return `the new snapshot holds ${next.record_count} records but the backup holds ${previous.record_count}`;
  }
  if (previous.head_id) {
    const db = new Database(nextFile, { readonly: true, fileMustExist: true });
    try {
      const found = db.prepare('SELECT 1 FROM records WHERE id = ?').get(previous.head_id);
      if (!found) return `the new snapshot lacks record ${previous.head_id}, the backup's newest`;
    } finally {
      db.close();
    }
  }
  return null;
}

interface Row {
  seq: number;
  id: string;
  thread: string;
  actor: string;
  act: string;
  clock: number;
  data_type: string;
  parents: string;
  body: string;
}

/** Switches a copied database out of WAL mode, so the single file is the whole backup. */
function selfContained(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

function describeExisting(file: string, instanceDid: string): BackupManifest | null {
  if (!existsSync(file)) return null;
  try {
    const facts = inspect(file);
    return { instance_did: instanceDid, ...facts.manifest, sha256: '', bytes: statSync(file).size, created_at: '', file: basename(file) };
  } catch {
    return null; // unreadable: nothing to protect
  }
}

function pruneSuspects(directory: string, keep: number): void {
  const suspects = readdirSync(directory)
    .filter((n) => n.startsWith('hub.db.suspect-') && n.endsWith('.bak'))
    .sort()
    .reverse();
  for (const name of suspects.slice(keep)) {
    rmSync(join(directory, name), { force: true });
    rmSync(join(directory, `${name}${MANIFEST_SUFFIX}`), { force: true });
  }
}

function writeManifest(file: string, manifest: BackupManifest): void {
  const temp = `${file}${MANIFEST_SUFFIX}.tmp`;
  writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  fsyncFile(temp);
  renameSync(temp, `${file}${MANIFEST_SUFFIX}`);
}

function prune(directory: string, keep: number): void {
  const generations = readdirSync(directory)
    .filter((n) => n.endsWith('.bak'))
    .sort()
    .reverse();
  for (const name of generations.slice(Math.max(keep, 0))) {
    rmSync(join(directory, name), { force: true });
    rmSync(join(directory, `${name}${MANIFEST_SUFFIX}`), { force: true });
  }
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch {
    // Some filesystems cannot fsync a directory; the rename is still atomic.
  } finally {
    closeSync(fd);
  }
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Moves `file` aside to `<file>.<suffix>` (with its -wal and -shm), never deleting it; returns the new path. */
export function moveAside(file: string, suffix: string): string | null {
  if (!existsSync(file)) return null;
  const target = `${file}.${suffix}`;
  renameSync(file, target);
  for (const extra of ['-wal', '-shm']) if (existsSync(`${file}${extra}`)) renameSync(`${file}${extra}`, `${target}${extra}`);
  return target;
}

/** Copies a verified backup into place as `destination` (temp file + fsync + rename). */
export function installBackup(backup: string, destination: string): void {
  const temp = join(dirname(destination), `.${basename(destination)}.restore-${process.pid}`);
  copyFileSync(backup, temp);
  chmodSync(temp, 0o600);
  fsyncFile(temp);
  renameSync(temp, destination);
}
