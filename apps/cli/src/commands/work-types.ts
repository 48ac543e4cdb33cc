/** Shapes the work commands read from the API (re-exported from the kernel for the CLI). */
export type { PendingDecision, ReconcilerStatus } from '@syncropel/kernel';

/** The fields of a stored record the CLI prints. */
export interface StoredRecordLike {
  readonly id: string;
  readonly thread: string;
  readonly seq: number;
}
