import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { RESERVED_THREADS, type ReservedThread } from './record.js';
import { sha256Hex } from './record-id.js';

const THREAD_ID = /^th_[0-9a-f]{64}$/;

/** A fresh random thread id (`th_` + 64 hex) from the platform's CSPRNG. */
export function newThreadId(): string {
  return `th_${bytesToHex(randomBytes(32))}`;
}

/** A deterministic thread id derived from a name, so independent writers can meet on the same thread. */
export function threadIdFor(name: string): string {
  return `th_${sha256Hex(name)}`;
}

/** True for the kernel's reserved threads (config, accounts, pairs, audit). */
export function isReservedThread(thread: string): thread is ReservedThread {
  return (RESERVED_THREADS as readonly string[]).includes(thread);
}

/** True when `thread` is a well-formed thread id or a reserved thread name. */
export function isThreadId(thread: string): boolean {
  return THREAD_ID.test(thread) || isReservedThread(thread);
}
