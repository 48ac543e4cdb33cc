import type { Act, DataType, JsonObject, StoredRecord } from '@syncropel/algebra';

/**
 * The columns every SQL store keeps a record in, in the order {@link RecordRow} reads them.
 * `parents` and `body` hold canonical JSON text (the bytes the id hashes), the rest plain values.
 */
export const RECORD_COLUMNS = 'seq, id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, ingested_at';

/** One row as a raw `SELECT ${RECORD_COLUMNS}` returns it in array mode (integers as numbers). */
export type RecordRow = [seq: number, id: string, thread: string, actor: string, act: string, clock: number, dataType: string, judgedBy: string | null, parents: string, body: string, sig: string | null, ingestedAt: number];

/** The stored record a row holds, its JSON columns parsed: the same object from every SQL store. */
export function recordFromRow([seq, id, thread, actor, act, clock, dataType, judgedBy, parents, body, sig, ingestedAt]: RecordRow): StoredRecord {
  return {
    // Most records have no parents; skipping the parser for them is measurable over a million.
    parents: parents === '[]' ? [] : (JSON.parse(parents) as string[]),
    thread,
    actor,
    act: act as Act,
    body: JSON.parse(body) as JsonObject,
    clock,
    data_type: dataType as DataType,
    judged_by: judgedBy,
    ...(sig === null ? {} : { sig }),
    id,
    seq,
    ingested_at: ingestedAt,
  };
}
