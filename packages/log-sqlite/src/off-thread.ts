import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runBackupJob, type BackupJob, type BackupJobResult } from './backup-jobs.js';
import type { RecordsVerdict, VerifyRecordsOptions } from './verify-records.js';
import { MODULE_URL } from './module-url.js';

/** The message a job abandoned through its AbortSignal rejects with. */
export const ABANDONED = 'abandoned: the job was cancelled';

let workerUrl: URL | null | undefined;

/**
 * The built worker: beside this module in dist/ (ESM and CommonJS builds alike), dist/ when
 * tests run the sources, or the installed package's when this code was bundled into a service
 * of its own. null when there is none.
 */
function workerFile(): URL | null {
  if (workerUrl !== undefined) return workerUrl;
  const candidates = [new URL('./backup-worker.js', MODULE_URL), new URL('../dist/backup-worker.js', MODULE_URL)];
  workerUrl = candidates.find((url) => existsSync(url)) ?? null;
  if (workerUrl === null) {
    try {
      workerUrl = pathToFileURL(createRequire(MODULE_URL).resolve('@syncropel/log-sqlite/backup-worker'));
    } catch {
      workerUrl = null;
    }
  }
  return workerUrl;
}

/**
 * Runs a backup job (snapshot, verify, hash) on a worker thread of its own, so a daemon keeps
 * answering requests while a whole database is copied, read and hashed. Where no worker file
 * can be found (a bundle without the package installed) the job runs on this thread instead:
 * the same result, but the process answers nothing else meanwhile.
 */
export function runOffThread<J extends BackupJob>(job: J, signal?: AbortSignal): Promise<BackupJobResult<J>> {
  if (signal?.aborted) return Promise.reject(new Error(ABANDONED));
  const file = workerFile();
  return file === null ? runOnThisThread(job, signal) : runOnWorker(file, job, signal);
}

/**
 * The fallback: the job on the calling thread. The job's reads block, so an abort is seen only
 * when it ends: the answer is then `ABANDONED` (whatever it wrote is a temp file its caller removes).
 */
export function runOnThisThread<J extends BackupJob>(job: J, signal?: AbortSignal): Promise<BackupJobResult<J>> {
  if (signal?.aborted) return Promise.reject(new Error(ABANDONED));
  return (runBackupJob(job) as Promise<BackupJobResult<J>>).then((result) => {
    if (signal?.aborted) throw new Error(ABANDONED);
    return result;
  });
}

/** Runs the job on a worker thread started from the built worker `file`. */
export function runOnWorker<J extends BackupJob>(file: URL, job: J, signal?: AbortSignal): Promise<BackupJobResult<J>> {
  if (signal?.aborted) return Promise.reject(new Error(ABANDONED));
  return new Promise((resolve, reject) => {
    // No inherited flags: a test runner's `--conditions source` would point the built worker's
    // imports at TypeScript sources it cannot load.
    const worker = new Worker(file, { execArgv: [] });
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

/** Checks a log database (page integrity, every record against its id) on a worker thread. */
export function checkLogFile(file: string, options: VerifyRecordsOptions = {}): Promise<RecordsVerdict> {
  return runOffThread({ kind: 'verify', file, options });
}
