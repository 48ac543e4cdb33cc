import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { fsyncDir, fsyncFile } from './backup-files.js';
import { runOffThread } from './off-thread.js';
import type { RecordsVerdict } from './verify-records.js';
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
  /** True when every record in the file was checked against its id before it was kept. */
  readonly records_verified?: boolean;
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
  /** True when the snapshot found damage in the store itself (a record that does not hash to its id, or failed integrity). */
  readonly store_damaged: boolean;
}

/** Options for {@link snapshot}. */
export interface SnapshotOptions {
  readonly directory: string;
  readonly instanceDid: string;
  readonly generations?: number;
  readonly now?: () => number;
  /** Abandons the snapshot (e.g. the daemon is stopping): its worker ends, its temp file is removed, no backup changes. */
  readonly signal?: AbortSignal;
}

/**
 * Takes an online, consistent snapshot of the database at `source` into `directory`. On a worker
 * thread (the caller's event loop never waits on it): written to a temp file with the SQLite
 * backup API through a connection of its own, made self-contained and fsynced, `PRAGMA
 * integrity_check`ed, and every record's content checked against its id. Only then is it
 * described by a manifest and atomically renamed to `hub.db.bak`, with a hard-linked generation
 * kept (default 7).
 *
 * The guard: the rolling backup is never replaced, and no generation is added, by a snapshot
 * that fails a check or holds less: a failed integrity check, a record whose content does not
 * hash to its id, fewer records, or a head the old backup's head is not part of. Such a snapshot
 * is kept beside it as `hub.db.suspect-<time>.bak` and the reason is returned, so a wiped,
 * corrupt or tampered `hub.db` can never overwrite the last good copy.
 */
export async function snapshot(source: string, options: SnapshotOptions): Promise<SnapshotResult> {
  const now = options.now ?? Date.now;
  const { directory } = options;
  mkdirSync(join(directory, 'generations'), { recursive: true, mode: 0o700 });
  const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
  const temp = join(directory, `.${BACKUP_FILE}.tmp-${process.pid}-${stamp}`);
  removeStaleTemps(directory);
  rmSync(temp, { force: true });
  try {
    const rolling = join(directory, BACKUP_FILE);
    // Without its manifest, the rolling backup still counts: describe it from the file itself.
    const previous = readManifest(rolling) ?? (await describeExisting(rolling, options.instanceDid));
    const facts = await runOffThread({ kind: 'snapshot', source, temp, mustHold: previous?.head_id ?? null }, options.signal);
    const v = facts.verdict;
    const manifest: BackupManifest = {
      instance_did: options.instanceDid,
      record_count: v.record_count,
      head_seq: v.head_seq,
      head_id: v.head_id,
      schema_version: v.schema_version,
      records_verified: true,
      sha256: facts.sha256,
      bytes: facts.bytes,
      created_at: new Date(now()).toISOString(),
      file: BACKUP_FILE,
    };
    // Another snapshot (spl backup create beside the daemon's own) may have replaced it meanwhile.
    const latest = readManifest(rolling);
    const guard = guardReason(v, previous) ?? (latest && latest.created_at !== previous?.created_at ? guardReason({ ...v, has_record: null }, latest) : null);
    if (guard) {
      const suspect = join(directory, `hub.db.suspect-${stamp}.bak`);
      renameSync(temp, suspect);
      const kept = { ...manifest, records_verified: v.bad_records === 0, file: basename(suspect) };
      writeManifest(suspect, kept);
      pruneSuspects(directory, MAX_SUSPECTS);
      return { path: suspect, manifest: kept, replaced: false, guard, store_damaged: v.bad_records > 0 || v.integrity !== 'ok' };
    }
    renameSync(temp, rolling);
    writeManifest(rolling, manifest);
    fsyncDir(directory);
    const generation = join(directory, 'generations', `hub.db.${stamp}.bak`);
    linkSync(rolling, generation);
    writeManifest(generation, { ...manifest, file: basename(generation) });
    prune(join(directory, 'generations'), options.generations ?? DEFAULT_BACKUP_GENERATIONS);
    return { path: rolling, manifest, replaced: true, guard: null, store_damaged: false };
  } finally {
    for (const extra of ['', '-wal', '-shm', '-journal']) rmSync(`${temp}${extra}`, { force: true });
  }
}

/** Why a checked snapshot must not become the backup, or null when it may. */
function guardReason(v: RecordsVerdict, previous: BackupManifest | null): string | null {
  if (v.integrity !== 'ok') return `the new snapshot fails its integrity check (${v.integrity})`;
  if (v.bad_records > 0) return `${v.bad_records} record(s) in the store fail verification (${v.problems[0] ?? 'content does not hash to its id'})`;
  if (!previous) return null;
  if (v.record_count < previous.record_count) return `the new snapshot holds ${v.record_count} records but the backup holds ${previous.record_count}`;
  if (previous.head_id && v.has_record === false) return `the new snapshot lacks record ${previous.head_id}, the backup's newest`;
  return null;
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
 * Verifies a backup on a worker thread: `PRAGMA integrity_check`, the manifest's sha256, count and
 * head, and every record (content recomputed to its id, seqs strictly increasing).
 */
export async function verifyBackup(file: string): Promise<VerifyResult> {
  const problems: string[] = [];
  if (!existsSync(file)) return { ok: false, problems: [`${file} does not exist`], manifest: null, record_count: 0 };
  const manifest = readManifest(file);
  if (!manifest) problems.push(`no manifest beside ${basename(file)} (${basename(file)}${MANIFEST_SUFFIX})`);
  else {
    const sha = await runOffThread({ kind: 'sha256', file });
    if (sha !== manifest.sha256) problems.push(`sha256 ${sha} does not match the manifest's ${manifest.sha256}`);
  }
  let count = 0;
  try {
    const v = await runOffThread({ kind: 'verify', file, options: { integrity: 'full' } });
    count = v.record_count;
    problems.push(...v.problems);
    if (manifest && manifest.record_count !== count) problems.push(`holds ${count} records; the manifest says ${manifest.record_count}`);
    if (manifest && (manifest.head_seq !== v.head_seq || manifest.head_id !== v.head_id)) {
      problems.push(`its newest record is seq ${v.head_seq} (${v.head_id ?? 'none'}); the manifest says seq ${manifest.head_seq} (${manifest.head_id ?? 'none'})`);
    }
  } catch (e) {
    problems.push(`cannot read it as a Syncropel log: ${(e as Error).message}`);
  }
  return { ok: problems.length === 0, problems, manifest, record_count: count };
}

/**
 * What a backup file is, by where `snapshot` puts it: the rolling backup, a generation, or a
 * suspect (a snapshot the guard kept aside); null for any other `.bak` file in the directory.
 */
export type BackupKind = 'rolling' | 'generation' | 'suspect';

/** One backup file as {@link listBackups} finds it. */
export interface ListedBackup {
  readonly path: string;
  readonly kind: BackupKind | null;
  readonly manifest: BackupManifest | null;
}

/** Backups in a directory (rolling, generations, suspects), newest first. */
export function listBackups(directory: string): ListedBackup[] {
  const files: { path: string; kind: BackupKind | null }[] = [];
  for (const name of existsSync(directory) ? readdirSync(directory) : []) {
    if (!name.endsWith('.bak')) continue;
    const kind = name === BACKUP_FILE ? 'rolling' : name.startsWith('hub.db.suspect-') ? 'suspect' : null;
    files.push({ path: join(directory, name), kind });
  }
  const generations = join(directory, 'generations');
  for (const name of existsSync(generations) ? readdirSync(generations) : []) {
    if (name.endsWith('.bak')) files.push({ path: join(generations, name), kind: 'generation' });
  }
  return files
    .map((f) => ({ ...f, manifest: readManifest(f.path) }))
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

async function describeExisting(file: string, instanceDid: string): Promise<BackupManifest | null> {
  if (!existsSync(file)) return null;
  try {
    const v = await runOffThread({ kind: 'verify', file, options: { integrity: 'none' } });
    return { instance_did: instanceDid, record_count: v.record_count, head_seq: v.head_seq, head_id: v.head_id, schema_version: v.schema_version, sha256: '', bytes: statSync(file).size, created_at: '', file: basename(file) };
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

/**
 * Moves `file` aside to `<file>.<suffix>` (with its -wal and -shm, and any `companions`: files
 * named `<file><companion>` that describe those bytes, such as a fold snapshot or a verified
 * stamp), never deleting it; returns the new path.
 */
export function moveAside(file: string, suffix: string, companions: readonly string[] = []): string | null {
  if (!existsSync(file)) return null;
  const target = `${file}.${suffix}`;
  renameSync(file, target);
  for (const extra of ['-wal', '-shm', ...companions]) if (existsSync(`${file}${extra}`)) renameSync(`${file}${extra}`, `${target}${extra}`);
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
