import { isReservedThread, threadIdFor } from '@syncropel/algebra';

/** The thread pair requests wait on for the operator's decision (AITL); an ordinary thread, so `spl aitl approve` answers it. */
export const PAIR_REQUESTS_THREAD = threadIdFor('syncropel/federation/pair-requests');

/**
 * Threads that never cross to another instance, in either direction: the reserved ones, and the
 * pair-request thread (a peer that could write there could approve strangers' pair requests).
 */
export function neverFederates(thread: string): boolean {
  return isReservedThread(thread) || thread === PAIR_REQUESTS_THREAD;
}
