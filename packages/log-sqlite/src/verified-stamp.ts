import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fsyncFile } from './backup-files.js';
import { checkLogFile, runOffThread } from './off-thread.js';

/** The file beside a log saying which exact bytes were last verified (written at a clean close). */
export const VERIFIED_STAMP_SUFFIX = '.verified';

/** What a verified stamp holds: the whole file's hash and size at the close that wrote it. */
export interface VerifiedStamp {
  readonly sha256: string;
  readonly bytes: number;
  readonly created_at: string;
}

/** How a start-time check of a log went. */
export interface StoreCheck {
  readonly ok: boolean;
  /** `stamp`: byte-identical to the file a clean close verified; `records`: every record checked; `new`: no file yet. */
  readonly how: 'stamp' | 'records' | 'new';
  /** Why the stamp could not be used (when it was not), for the daemon's log. */
  readonly stamp_unused: string | null;
  readonly problems: readonly string[];
  readonly ms: number;
}

/**
 * Checks a log file before a daemon serves it, off the main thread. When the file is
 * byte-identical to what the last clean close stamped (same size and sha256, no WAL), hashing
 * it is the whole check; otherwise (a crash, a restore, another writer, a new release's
 * migration) page integrity (`quick_check`) and every record's content against its id are
 * checked. The stamp is removed either way: only the next clean close writes one again.
 */
export async function checkStoreAtStart(file: string): Promise<StoreCheck> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  if (!existsSync(file)) return { ok: true, how: 'new', stamp_unused: null, problems: [], ms: 0 };
  const stampFile = `${file}${VERIFIED_STAMP_SUFFIX}`;
  const stamp = readStamp(stampFile);
  rmSync(stampFile, { force: true });
  let unused: string;
  if (!stamp) unused = 'no stamp (the last stop was not clean, or this is the first start)';
  else if (walBytes(file) > 0) unused = 'the WAL holds commits the stamp does not cover';
  else if (statSync(file).size !== stamp.bytes) unused = 'the file changed size since the stamp';
  else if ((await runOffThread({ kind: 'sha256', file })) !== stamp.sha256) unused = 'the file changed since the stamp';
  else return { ok: true, how: 'stamp', stamp_unused: null, problems: [], ms: ms() };
  const verdict = await checkLogFile(file, { integrity: 'quick' });
  return { ok: verdict.ok, how: 'records', stamp_unused: unused, problems: verdict.problems, ms: ms() };
}

/**
 * Stamps a closed log file as verified: its sha256 (hashed off the main thread) and size. Call
 * it only after a clean close of a store that was checked at start, so everything in it was
 * either verified then or written by this process since.
 */
export async function stampVerified(file: string, now: () => number = Date.now): Promise<VerifiedStamp> {
  const stamp: VerifiedStamp = { sha256: await runOffThread({ kind: 'sha256', file }), bytes: statSync(file).size, created_at: new Date(now()).toISOString() };
  const target = `${file}${VERIFIED_STAMP_SUFFIX}`;
  const temp = `${target}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(stamp)}\n`, { mode: 0o600 });
  fsyncFile(temp);
  renameSync(temp, target);
  return stamp;
}

function readStamp(path: string): VerifiedStamp | undefined {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as Partial<VerifiedStamp>;
    return typeof s.sha256 === 'string' && typeof s.bytes === 'number' ? (s as VerifiedStamp) : undefined;
  } catch {
    return undefined;
  }
}

function walBytes(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}
