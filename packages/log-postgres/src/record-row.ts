import type { Act, DataType, JsonObject, StoredRecord } from '@syncropel/algebra';
import type { AppendEntry } from '@syncropel/log';
import pg from 'pg';

/** Every column of `records`, in the order {@link RecordRow} reads them. */
export const RECORD_COLUMNS = 'seq, id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, ingested_at';

/** One row as a raw `SELECT ${RECORD_COLUMNS}` returns it in array mode, with {@link INT8_AS_NUMBER}. */
export type RecordRow = [seq: number, id: string, thread: string, actor: string, act: string, clock: number, dataType: string, judgedBy: string | null, parents: string, body: string, sig: string | null, ingestedAt: number];

/**
 * Per-query type parsers that read BIGINT as a number (pg returns int8 as a string, since it may
 * exceed 2^53; seq, clock and milliseconds never do). Per query, not `pg.types.setTypeParser`, so
 * other users of `pg` in the process keep the default.
 */
export const INT8_AS_NUMBER: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'],
};

/** The stored record a row holds, its JSON text columns parsed; the same object the SQLite store returns. */
export function fromRow([seq, id, thread, actor, act, clock, dataType, judgedBy, parents, body, sig, ingestedAt]: RecordRow): StoredRecord {
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

/**
 * An append as the column arrays `APPEND_SQL` unnests ($2..$11). JSON is written as the SQLite
 * store writes it, so the two stores hold the same text.
 */
export function toColumns(entries: readonly AppendEntry[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 10 }, () => new Array<unknown>(entries.length));
  entries.forEach(({ id, record }, i) => {
    const row = [id, record.thread, record.actor, record.act, record.clock, record.data_type, record.judged_by ?? null, JSON.stringify(record.parents), JSON.stringify(record.body), record.sig ?? null];
    for (let c = 0; c < 10; c++) (cols[c] as unknown[])[i] = row[c];
  });
  return cols;
}

const INT8_OID = 20;
