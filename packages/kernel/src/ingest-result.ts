import type { Act, DataType, JsonObject, StoredRecord } from '@syncropel/algebra';

/** The outcome of one ingested record: newly stored, or already in the log (an idempotent retry). */
export interface IngestResult {
  readonly status: 'created' | 'duplicate';
  readonly record: StoredRecord;
}

/** A record the kernel writes on behalf of an actor it speaks for (the daemon, a layer above). */
export interface Emission {
  readonly thread: string;
  readonly act: Act;
  readonly body: JsonObject;
  readonly parents?: readonly string[];
  readonly data_type?: DataType;
}

/** What became of one record another instance wrote (see `Kernel.ingestForeign`). */
export type ForeignOutcome =
  | IngestResult
  /** Its parents are not in the log yet: nothing was stored; offer it again once they are. */
  | { readonly status: 'waiting'; readonly id: string; readonly missing: readonly string[] }
  /** Refused on its own (`id` is null when the input was not a record at all). */
  | { readonly status: 'refused'; readonly id: string | null; readonly code: string; readonly message: string };
