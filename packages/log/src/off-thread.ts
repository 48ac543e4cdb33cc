import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { BackupJob, BackupJobResult } from './backup-jobs.js';
import type { RecordsVerdict, VerifyRecordsOptions } from './verify-records.js';

/** The message a job abandoned through its AbortSignal rejects with. */
export const ABANDONED = 'abandoned: the job was cancelled';

// The built worker. From src/ (tests run sources) and from dist/ alike this is <package>/dist.
const WORKER = new URL('../dist/backup-worker.js', import.meta.url);

/**
 * Runs a backup job (snapshot, verify, hash) on a worker thread of its own, so a daemon keeps
 * answering requests while a whole database is copied, read and hashed.
 */
export function runOffThread<J extends BackupJob>(job: J, signal?: AbortSignal): Promise<BackupJobResult<J>> {
  if (signal?.aborted) return Promise.reject(new Error(ABANDONED));
  if (!existsSync(fileURLToPath(WORKER))) {
    return Promise.reject(new Error(`the backup worker ${fileURLToPath(WORKER)} is missing; build the package (npm run build)`));
  }
  return new Promise((resolve, reject) => {
    // No inherited flags: a test runner's `--conditions source` would point the built worker's
    // imports at TypeScript sources it cannot load.
    const worker = new Worker(WORKER, { execArgv: [] });
    let answered = false;
    worker.once('message', (m: { result?: BackupJobResult<J>; error?: string }) => {
      answered = true;
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m.result as BackupJobResult<J>);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      answered = true;
      reject(e);
    });
    // Abandoning ends the thread; whatever it was writing is a temp file its caller removes.
    const abandon = () => void worker.terminate();
    signal?.addEventListener('abort', abandon, { once: true });
    worker.once('exit', (code) => {
      // One signal serves a daemon's every backup: leave no listener (holding this worker) behind.
      signal?.removeEventListener('abort', abandon);
      if (!answered) reject(new Error(signal?.aborted ? ABANDONED : `the backup worker exited (${code}) before answering`));
    });
    worker.postMessage(job);
  });
}

/** Options for {@link checkLogFile}: those of a single check, plus how many threads share it. */
export interface CheckLogOptions extends Omit<VerifyRecordsOptions, 'afterSeq' | 'throughSeq'> {
  /** Worker threads splitting the records by seq range (default 1). */
  readonly threads?: number;
}

/**
 * Checks a log database (page integrity, every record against its id) on worker threads, the
 * records split into `threads` seq ranges checked at once.
 */
export async function checkLogFile(file: string, options: CheckLogOptions = {}): Promise<RecordsVerdict> {
  const { threads = 1, ...single } = options;
  if (threads <= 1) return runOffThread({ kind: 'verify', file, options: single });
  const db = new Database(file, { readonly: true, fileMustExist: true });
  let last: number;
  try {
    last = (db.prepare('SELECT max(seq) AS m FROM records').get() as { m: number | null }).m ?? 0;
  } finally {
    db.close();
  }
  const size = Math.ceil(last / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, i) =>
      runOffThread({
        kind: 'verify',
        file,
        // Page integrity and the mustHold lookup are whole-file questions: the first range asks them.
        options: { ...single, ...(i > 0 ? { integrity: 'none' as const, mustHold: null } : {}), afterSeq: i * size, throughSeq: i === threads - 1 ? Number.MAX_SAFE_INTEGER : (i + 1) * size },
      }),
    ),
  );
  return mergeVerdicts(parts, single.maxProblems ?? 20);
}

/** One verdict for a file from the verdicts of its seq ranges, in range order. */
function mergeVerdicts(parts: readonly RecordsVerdict[], max: number): RecordsVerdict {
  const first = parts[0] as RecordsVerdict;
  const withRecords = parts.filter((p) => p.record_count > 0);
  const head = withRecords[withRecords.length - 1];
  const problems = parts.flatMap((p) => p.problems.filter((x) => !x.startsWith('… '))).slice(0, max);
  const bad = parts.reduce((n, p) => n + p.bad_records, 0);
  if (bad > problems.length) problems.push(`… ${bad} records fail in all`);
  return {
    ok: parts.every((p) => p.ok),
    integrity: first.integrity,
    record_count: parts.reduce((n, p) => n + p.record_count, 0),
    bad_records: bad,
    head_seq: head?.head_seq ?? 0,
    head_id: head?.head_id ?? null,
    schema_version: first.schema_version,
    has_record: first.has_record,
    problems,
  };
}
