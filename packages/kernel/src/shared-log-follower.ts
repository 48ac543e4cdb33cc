import type { SharedLog } from '@syncropel/log';
import type { LogApplier } from './log-applier.js';

/** How long the follower waits before following again after the channel broke and re-following failed. */
const FOLLOW_RETRY_MS = 1000;

/** What the follower asks of its kernel. */
export interface FollowerHost {
  /** The seq of the newest record applied. */
  folded(): number;
  /** Whether the kernel is live (announced records are caught up only then; a start catches up itself). */
  live(): boolean;
  /** Whether the kernel is stopping (no new subscription is made). */
  stopping(): boolean;
  report(error: unknown, where: string): void;
}

/**
 * Keeps a kernel's live state following the other writers of a shared log: listens for new
 * heads and catches up by `seq > cursor` through the kernel's applier. Announcements that
 * arrive while a catch-up runs are served by one more catch-up, not one each. A broken channel
 * is followed again (and caught up) while live, or by the start before it goes live.
 */
export class SharedLogFollower {
  private unfollow: (() => Promise<void>) | undefined;
  private lost = false;
  private notifiedHead = 0;
  private catchingUp = false;

  constructor(
    private readonly shared: SharedLog,
    private readonly applier: LogApplier,
    private readonly host: FollowerHost,
  ) {}

  /** Listens (replacing any earlier subscription); resolves once announcements are delivered. */
  async follow(): Promise<void> {
    if (this.host.stopping()) return;
    const previous = this.unfollow;
    this.unfollow = undefined;
    this.lost = false;
    await previous?.().catch(() => undefined);
    this.unfollow = await this.shared.follow(
      (seq) => {
        this.notifiedHead = Math.max(this.notifiedHead, seq);
        this.catchUp();
      },
      (error) => {
        this.host.report(error, 'follow');
        this.lost = true;
        if (this.host.live()) this.retry();
      },
    );
  }

  /** Follows again if the channel broke while the kernel was not live yet. */
  async renewIfLost(): Promise<void> {
    if (this.lost) await this.follow();
  }

  /** Stops listening. */
  async stop(): Promise<void> {
    const unfollow = this.unfollow;
    this.unfollow = undefined;
    await unfollow?.().catch((e: unknown) => this.host.report(e, 'follow'));
  }

  private catchUp(): void {
    if (this.catchingUp || !this.host.live() || this.notifiedHead <= this.host.folded()) return;
    this.catchingUp = true;
    this.applier
      .catchUp()
      .catch((e: unknown) => this.host.report(e, 'follow'))
      .finally(() => {
        this.catchingUp = false;
        this.catchUp();
      });
  }

  private retry(): void {
    if (!this.host.live() || this.host.stopping()) return;
    this.follow()
      .then(() => this.applier.catchUp())
      .catch((e: unknown) => {
        this.host.report(e, 'follow');
        setTimeout(() => this.retry(), FOLLOW_RETRY_MS).unref();
      });
  }
}
