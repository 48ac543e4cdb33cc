/** One scheduled job's record of runs. */
export interface CronJobStatus {
  readonly name: string;
  readonly interval_secs: number;
  readonly runs: number;
  readonly last_run_at: string | null;
  readonly last_error: string | null;
}

interface Job {
  readonly name: string;
  readonly intervalSecs: number;
  readonly run: () => unknown;
  runs: number;
  lastRunAt: number | null;
  lastError: string | null;
  timer?: ReturnType<typeof setInterval>;
}

/**
 * CRON: named jobs on fixed intervals (WAL checkpoint, the AITL/stall sweep, backups registered
 * by the host). A failing job is recorded in its status and tried again next time; it never stops
 * the daemon. Timers are unref'd so they never keep a process alive.
 */
export class Cron {
  private readonly jobs = new Map<string, Job>();
  private started = false;

  constructor(private readonly now: () => number) {}

  /** Adds (or replaces) a job; it runs every `intervalSecs` once the schedule is started. */
  register(name: string, intervalSecs: number, run: () => unknown): void {
    const previous = this.jobs.get(name);
    if (previous?.timer) clearInterval(previous.timer);
    const job: Job = { name, intervalSecs, run, runs: 0, lastRunAt: null, lastError: null };
    this.jobs.set(name, job);
    if (this.started) this.arm(job);
  }

  /** Starts every job's timer. */
  start(): void {
    this.started = true;
    for (const job of this.jobs.values()) this.arm(job);
  }

  /** Stops every timer. */
  stop(): void {
    this.started = false;
    for (const job of this.jobs.values()) if (job.timer) clearInterval(job.timer);
  }

  /** Runs a job now (also what its timer does); resolves when it has finished. */
  async runNow(name: string): Promise<CronJobStatus | undefined> {
    const job = this.jobs.get(name);
    if (!job) return undefined;
    job.lastRunAt = this.now();
    job.runs++;
    try {
      await job.run();
      job.lastError = null;
    } catch (e) {
      job.lastError = (e as Error).message ?? String(e);
    }
    return statusOf(job);
  }

  /** Every job's status. */
  status(): CronJobStatus[] {
    return [...this.jobs.values()].map(statusOf);
  }

  private arm(job: Job): void {
    if (job.timer) clearInterval(job.timer);
    job.timer = setInterval(() => void this.runNow(job.name), job.intervalSecs * 1000);
    job.timer.unref();
  }
}

function statusOf(job: Job): CronJobStatus {
  return {
    name: job.name,
    interval_secs: job.intervalSecs,
    runs: job.runs,
    last_run_at: job.lastRunAt === null ? null : new Date(job.lastRunAt).toISOString(),
    last_error: job.lastError,
  };
}
