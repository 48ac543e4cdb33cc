import type { Act, DataType, JsonObject, StoredRecord } from '@syncropel/algebra';

/** Every column of the records table, in the order {@link RawRow} reads them. */
export const RAW_COLUMNS = 'seq, id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, ingested_at';

/** One row as `SELECT ${RAW_COLUMNS}` returns it from a raw statement (an array, no row object). */
export type RawRow = [seq: number, id: string, thread: string, actor: string, act: string, clock: number, dataType: string, judgedBy: string | null, parents: string, body: string, sig: string | null, ingestedAt: number];

/** The stored record a raw row holds (its JSON columns parsed). */
export function fromRaw([seq, id, thread, actor, act, clock, dataType, judgedBy, parents, body, sig, ingestedAt]: RawRow): StoredRecord {
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
