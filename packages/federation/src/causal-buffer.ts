/** Most foreign records a pair's buffer holds while their parents are missing. */
export const CAUSAL_BUFFER_CAPACITY = 10_000;

/** How long a foreign record waits for its parents before it is dropped (and counted). */
export const CAUSAL_WAIT_MS = 10 * 60_000;

interface Waiting {
  readonly record: unknown;
  /** The cursor of the page it came in: pulling again from there brings it back. */
  readonly from: string;
  readonly since: number;
}

/**
 * Foreign records whose parents have not arrived, in arrival order. Bounded: past capacity or
 * age the oldest are dropped and counted. Nothing is lost for good: the pull cursor is kept at
 * the page of the oldest waiting record ({@link resumeFrom}), so a restart pulls them again; a
 * dropped record comes back only when the cursor is reset.
 */
export class CausalBuffer {
  private readonly waiting = new Map<string, Waiting>();
  dropped = 0;

  constructor(
    private readonly capacity = CAUSAL_BUFFER_CAPACITY,
    private readonly maxWaitMs = CAUSAL_WAIT_MS,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Holds a record (by id) that came in the page starting at cursor `from`. */
  hold(id: string, record: unknown, from: string, now: number): void {
    if (this.waiting.has(id)) return;
    this.waiting.set(id, { record, from, since: now });
    while (this.waiting.size > this.capacity) this.dropOldest();
  }

  /** Drops records that waited too long. */
  expire(now: number): void {
    for (const [id, w] of this.waiting) {
      if (now - w.since <= this.maxWaitMs) break;
      this.waiting.delete(id);
      this.dropped++;
    }
  }

  /** The held records, oldest first, to offer again. */
  entries(): [string, unknown][] {
    return [...this.waiting].map(([id, w]) => [id, w.record]);
  }

  /** Forgets a record that was stored (or refused). */
  release(id: string): void {
    this.waiting.delete(id);
  }

  /** The cursor to persist: the page of the oldest waiting record, or undefined when none waits. */
  resumeFrom(): string | undefined {
    for (const w of this.waiting.values()) return w.from;
    return undefined;
  }

  private dropOldest(): void {
    for (const id of this.waiting.keys()) {
      this.waiting.delete(id);
      this.dropped++;
      return;
    }
  }
}
