import type { AppendEntry } from '@syncropel/log';
import pg from 'pg';

/**
 * Per-query type parsers that read BIGINT as a number (pg returns int8 as a string, since it may
 * exceed 2^53; seq, clock and milliseconds never do). Per query, not `pg.types.setTypeParser`, so
 * other users of `pg` in the process keep the default.
 */
export const INT8_AS_NUMBER: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * An append as the column arrays `APPEND_SQL` unnests ($2..$11, and $13: whether each is foreign). JSON is written as the SQLite
 * store writes it, so the two stores hold the same text.
 */
export function toColumns(entries: readonly AppendEntry[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 11 }, () => new Array<unknown>(entries.length));
  entries.forEach(({ id, record, foreign }, i) => {
    const row = [id, record.thread, record.actor, record.act, record.clock, record.data_type, record.judged_by ?? null, JSON.stringify(record.parents), JSON.stringify(record.body), record.sig ?? null, foreign === true];
    for (let c = 0; c < 11; c++) (cols[c] as unknown[])[i] = row[c];
  });
  return cols;
}

const INT8_OID = 20;
