import type { ThreadsState } from './thread-fold.js';

/** What the last TICK found. */
export interface TickReport {
  readonly at: string;
  readonly interval_secs: number;
  /** Verdicts folded into the trust table since the previous TICK. */
  readonly new_verdicts: number;
  /** Open or active threads with no record for the stall window, oldest first. */
  readonly stalled_threads: readonly { thread: string; status: string; idle_secs: number }[];
}

/** Inputs a TICK reads: the live folds and config, sampled when it runs. */
export interface TickInputs {
  readonly now: () => number;
  readonly intervalSecs: () => number;
  readonly stallWindowSecs: () => number;
  readonly threads: () => ThreadsState;
  readonly verdicts: () => number;
}

/** Most stalled threads a report lists. */
export const MAX_STALLED_REPORTED = 100;

/**
 * The TICK loop: every `intervalSecs` (re-read each time, so a config change applies at the next
 * tick) it samples the live folds and reports stalled threads and new evidence. It only reads:
 * trust evidence is folded at commit, so TICK never rewrites state.
 */
export class TickLoop {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastVerdicts = 0;
  private last: TickReport | null = null;
  private count = 0;

  constructor(private readonly inputs: TickInputs) {}

  /** Starts ticking (the first tick after one interval). */
  start(): void {
    this.lastVerdicts = this.inputs.verdicts();
    this.schedule();
  }

  /** Stops ticking. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs one tick now and returns its report. */
  tick(): TickReport {
    const now = this.inputs.now();
    const window = this.inputs.stallWindowSecs();
    const stalled: { thread: string; status: string; idle_secs: number }[] = [];
    for (const t of this.inputs.threads().values()) {
      if (typeof t === 'number' || t.reserved || t.status === 'closed') continue;
      const idle = Math.floor((now - t.last_at) / 1000);
      if (idle >= window) stalled.push({ thread: t.thread, status: t.status, idle_secs: idle });
    }
    stalled.sort((a, b) => b.idle_secs - a.idle_secs);
    const verdicts = this.inputs.verdicts();
    this.last = {
      at: new Date(now).toISOString(),
      interval_secs: this.inputs.intervalSecs(),
      new_verdicts: verdicts - this.lastVerdicts,
      stalled_threads: stalled.slice(0, MAX_STALLED_REPORTED),
    };
    this.lastVerdicts = verdicts;
    this.count++;
    return this.last;
  }

  /** The last report (null before the first tick) and how many ticks ran. */
  status(): { last: TickReport | null; ticks: number; interval_secs: number } {
    return { last: this.last, ticks: this.count, interval_secs: this.inputs.intervalSecs() };
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.tick();
      this.schedule();
    }, this.inputs.intervalSecs() * 1000);
    this.timer.unref();
  }
}
