/** How often the console refreshes what it shows (health, counters, lists). */
export const POLL_MS = 2_000;

/**
 * Runs `tick` now and then every `ms` until the returned stop function is called. A tick still
 * running when the next is due is not started twice, so a slow daemon is never piled onto.
 */
export function poll(tick: () => Promise<void>, ms: number = POLL_MS): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    if (stopped) return;
    try {
      await tick();
    } catch {
      // Each tick shows its own failures; polling goes on.
    }
    if (!stopped) timer = setTimeout(run, ms);
  };
  void run();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
