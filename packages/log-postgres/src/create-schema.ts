import { LogError } from '@syncropel/log';
import type pg from 'pg';

/** The SQLSTATE the clock trigger raises when a clock does not increase for its (actor, thread). */
export const CLOCK_CONFLICT_SQLSTATE = 'SPL01';
/** The SQLSTATE the append-only triggers raise. */
export const APPEND_ONLY_SQLSTATE = 'SPL02';
/** The channel every commit to `records` notifies, with the new head seq as payload. */
export const HEAD_CHANNEL = 'syncropel_log';

// Advisory lock keys are per database; these two only need to differ from each other and from
// whatever else an operator locks. ASCII 'spl.schm' and 'spl.lead'.
const SCHEMA_LOCK_KEY = '8318267458513496173';
/** The session-level advisory lock whose holder leads. */
export const LEADER_LOCK_KEY = '8318267458396184932';

/** The triggers the log relies on: what the database refuses, checks and announces on its own. */
const TRIGGERS: readonly { table: string; name: string; when: string; fn: string }[] = [
  { table: 'records', name: 'records_no_update_delete', when: 'BEFORE UPDATE OR DELETE ON records FOR EACH ROW', fn: 'syncropel_refuse_change' },
  { table: 'records', name: 'records_no_truncate', when: 'BEFORE TRUNCATE ON records FOR EACH STATEMENT', fn: 'syncropel_refuse_change' },
  { table: 'records', name: 'records_clock_increases', when: 'BEFORE INSERT ON records FOR EACH ROW', fn: 'syncropel_advance_clock' },
  { table: 'records', name: 'records_notify_head', when: 'AFTER INSERT ON records REFERENCING NEW TABLE AS added FOR EACH STATEMENT', fn: 'syncropel_notify_head' },
  // Losing the head row would make appends insert nothing.
  { table: 'log_head', name: 'log_head_no_delete', when: 'BEFORE DELETE ON log_head FOR EACH ROW', fn: 'syncropel_refuse_change' },
  { table: 'log_head', name: 'log_head_no_truncate', when: 'BEFORE TRUNCATE ON log_head FOR EACH STATEMENT', fn: 'syncropel_refuse_change' },
];

/**
 * Creates the log's tables, functions and triggers if missing, in one transaction. Every statement
 * is idempotent, and the transaction first takes an advisory lock, so kernels opening a fresh
 * database together run it one after another instead of racing on the catalog. The SQL lives
 * here rather than in a migrations folder so a bundled binary needs no files beside it.
 */
export async function createSchema(client: pg.Client): Promise<void> {
  try {
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY}); ${SCHEMA_SQL} COMMIT;`);
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

const SCHEMA_SQL = /* sql */ `
CREATE TABLE IF NOT EXISTS records (
  seq         BIGINT PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  thread      TEXT NOT NULL,
  actor       TEXT NOT NULL,
  act         TEXT NOT NULL,
  clock       BIGINT NOT NULL,
  data_type   TEXT NOT NULL,
  judged_by   TEXT,
  parents     TEXT NOT NULL,
  body        TEXT NOT NULL,
  sig         TEXT,
  ingested_at BIGINT NOT NULL
);
-- Whether another instance wrote the record (federation): its clock was ordered by that
-- instance's log, so it need not advance here. Added after the first release, hence ALTER.
ALTER TABLE records ADD COLUMN IF NOT EXISTS foreign_clock BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS records_thread_seq ON records (thread, seq);
CREATE INDEX IF NOT EXISTS records_actor_seq ON records (actor, seq);

-- One row; the unique index on a constant keeps it one.
CREATE TABLE IF NOT EXISTS log_head (seq BIGINT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS log_head_one_row ON log_head ((true));
INSERT INTO log_head (seq) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM log_head);

CREATE TABLE IF NOT EXISTS record_clocks (
  actor  TEXT NOT NULL,
  thread TEXT NOT NULL,
  clock  BIGINT NOT NULL,
  PRIMARY KEY (actor, thread)
);

CREATE OR REPLACE FUNCTION syncropel_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME USING ERRCODE = '${APPEND_ONLY_SQLSTATE}';
END $$;

-- Refuses a record whose clock does not exceed the highest stored for its (actor, thread), unless
-- another instance wrote it (foreign_clock: its clock is kept if higher, never refused). The
-- upsert's row lock also orders two writers racing on one (actor, thread): the second waits and
-- then sees the first's clock.
CREATE OR REPLACE FUNCTION syncropel_advance_clock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO record_clocks (actor, thread, clock) VALUES (NEW.actor, NEW.thread, NEW.clock)
  ON CONFLICT (actor, thread) DO UPDATE SET clock = EXCLUDED.clock WHERE record_clocks.clock < EXCLUDED.clock;
  IF FOUND OR NEW.foreign_clock THEN
    RETURN NEW;
  END IF;
  -- The very record is already stored (its id is a hash of its clock too): let the unique index
  -- refuse it as a duplicate, the truer answer, rather than calling it a clock conflict.
  IF EXISTS (SELECT 1 FROM records WHERE id = NEW.id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'clock % does not increase for actor % on thread %', NEW.clock, NEW.actor, NEW.thread
    USING ERRCODE = '${CLOCK_CONFLICT_SQLSTATE}';
END $$;

-- Statement-level, so one notification per append (delivered at commit), carrying the new head only.
CREATE OR REPLACE FUNCTION syncropel_notify_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head BIGINT;
BEGIN
  SELECT max(seq) INTO head FROM added;
  IF head IS NOT NULL THEN
    PERFORM pg_notify('${HEAD_CHANNEL}', head::text);
  END IF;
  RETURN NULL;
END $$;

-- CREATE OR REPLACE TRIGGER needs PostgreSQL 14; checking the catalog works on older servers too.
DO $$
BEGIN
${TRIGGERS.map(createTriggerIfMissing).join('\n')}
END $$;
`;

/** One trigger, created unless a trigger of that name is already on its table. */
function createTriggerIfMissing(t: (typeof TRIGGERS)[number]): string {
  return `  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = '${t.table}'::regclass AND tgname = '${t.name}') THEN
    CREATE TRIGGER ${t.name} ${t.when} EXECUTE FUNCTION ${t.fn}();
  END IF;`;
}

/** Checks that the database already holds a Syncropel log, changing nothing; STORE_UNAVAILABLE naming it otherwise. */
export async function requireSchema(client: pg.Client, where: string): Promise<void> {
  const { rows } = await client.query<{ records: string | null; head: string | null }>("SELECT to_regclass('records')::text AS records, to_regclass('log_head')::text AS head");
  if (!rows[0]?.records || !rows[0]?.head) throw new LogError('STORE_UNAVAILABLE', `${where} holds no Syncropel log (no records table); a daemon started with this URL creates one`);
}
