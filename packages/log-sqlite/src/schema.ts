import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The one table of the log. `seq` is the log position (AUTOINCREMENT, so a position is never
 * reused even after a restore); `id` is the content id. `body` and `parents` hold canonical JSON.
 * UPDATE and DELETE are refused by triggers (see drizzle/0001_append_only.sql).
 */
export const records = sqliteTable(
  'records',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    thread: text('thread').notNull(),
    actor: text('actor').notNull(),
    act: text('act').notNull(),
    clock: integer('clock').notNull(),
    dataType: text('data_type').notNull(),
    judgedBy: text('judged_by'),
    parents: text('parents').notNull(),
    body: text('body').notNull(),
    sig: text('sig'),
    ingestedAt: integer('ingested_at').notNull(),
  },
  (t) => [index('records_thread_seq').on(t.thread, t.seq), index('records_actor_seq').on(t.actor, t.seq)],
);
