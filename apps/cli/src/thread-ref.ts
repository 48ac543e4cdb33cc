import { isThreadId, threadIdFor } from '@syncropel/algebra';

/**
 * The thread a `--thread` flag names: a thread id (`th_…`) or a reserved thread as given, any
 * other text as a name hashed into its stable thread id (`threadIdFor`), so `--thread demo`
 * means the same thread to every command and on every instance.
 */
export function threadIdOf(ref: string): string {
  return isThreadId(ref) ? ref : threadIdFor(ref);
}
