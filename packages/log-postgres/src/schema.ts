import { bigint, boolean, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * The log. `seq` is the log position, handed out by {@link logHead} in the inserting statement
 * (not a sequence: see `APPEND_SQL`); `id` is the content id. `body` and `parents` hold the JSON
 * text exactly as written (TEXT, not jsonb, which would reorder keys). The SQLite store's columns
 * (plus `foreign_clock`), so both return identical records. UPDATE, DELETE and TRUNCATE are refused by triggers.
 */
export const records = pgTable(
  'records',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull().unique(),
    thread: text('thread').notNull(),
    actor: text('actor').notNull(),
    act: text('act').notNull(),
    clock: bigint('clock', { mode: 'number' }).notNull(),
    dataType: text('data_type').notNull(),
    judgedBy: text('judged_by'),
    parents: text('parents').notNull(),
    body: text('body').notNull(),
    sig: text('sig'),
    ingestedAt: bigint('ingested_at', { mode: 'number' }).notNull(),
    /** Another instance wrote it (federation): its clock is exempt from the increasing-clock trigger. Not part of the record. */
    foreignClock: boolean('foreign_clock').notNull().default(false),
  },
  (t) => [index('records_thread_seq').on(t.thread, t.seq), index('records_actor_seq').on(t.actor, t.seq)],
);

/** One row: the last seq handed out, which is also the record count (seq is gapless from 1). */
export const logHead = pgTable('log_head', {
  seq: bigint('seq', { mode: 'number' }).notNull(),
});

/** The highest clock stored per (actor, thread), kept by a trigger so the database refuses a clock that does not increase. */
export const recordClocks = pgTable(
  'record_clocks',
  {
    actor: text('actor').notNull(),
    thread: text('thread').notNull(),
    clock: bigint('clock', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.actor, t.thread] })],
);
