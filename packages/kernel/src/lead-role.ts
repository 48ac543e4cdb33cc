import type { Leadership, SharedLog } from '@syncropel/log';

/** What leading means for a kernel: its loops, and the catch-up that must come first. */
export interface LeadHost {
  /** Starts TICK, CRON and RECONCILE. */
  startLoops(): void;
  /** Stops them; dispatches in flight finish. */
  stopLoops(): void;
  /** Brings live state up to the log's head (the work fold must show what the last leader answered). */
  catchUp(): Promise<void>;
  /** Whether this kernel may lead now (ready, not stopping). */
  mayLead(): boolean;
  report(error: unknown, where: string): void;
}

/**
 * Whether this kernel runs the loops. On a single-writer store it always does once ready; on a
 * shared log it does while its campaign holds the lead, after catching up, and never when the
 * lead was lost again during that catch-up or the kernel is stopping.
 */
export class LeadRole {
  private leading = false;
  /** What the campaign last said. */
  private held = false;
  private leadership: Leadership | undefined;

  constructor(private readonly host: LeadHost) {}

  /** Whether the loops run here now. */
  get leads(): boolean {
    return this.leading;
  }

  /** Leads at once: the only writer of its log. */
  alone(): void {
    this.held = true;
    this.take();
  }

  /** Campaigns on a shared log; a lead won at once is taken (after a catch-up) before this resolves. */
  async campaign(shared: SharedLog): Promise<void> {
    let taking: Promise<void> | undefined;
    this.leadership = await shared.lead((leads) => {
      this.held = leads;
      if (!leads) return this.standDown();
      taking = this.host.catchUp().then(
        () => this.take(),
        (e: unknown) => this.host.report(e, 'leadership'),
      );
    });
    await taking;
  }

  /** Stops the loops here (the lead was lost, or the kernel is stopping). */
  standDown(): void {
    if (!this.leading) return;
    this.leading = false;
    this.host.stopLoops();
  }

  /** Gives the lead up, so another kernel on the log may take it. */
  async resign(): Promise<void> {
    await this.leadership?.resign().catch((e: unknown) => this.host.report(e, 'leadership'));
  }

  private take(): void {
    if (this.leading || !this.held || !this.host.mayLead()) return;
    this.leading = true;
    this.host.startLoops();
  }
}
