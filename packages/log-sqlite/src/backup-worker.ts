// The worker thread's entry (built to dist/backup-worker.js): runs one BackupJob and posts its result.
import { parentPort } from 'node:worker_threads';
import { runBackupJob, type BackupJob } from './backup-jobs.js';

parentPort?.once('message', (job: BackupJob) => {
  runBackupJob(job).then(
    (result) => parentPort?.postMessage({ result }),
    (e: unknown) => parentPort?.postMessage({ error: (e as Error)?.message ?? String(e) }),
  );
});
