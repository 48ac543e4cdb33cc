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
