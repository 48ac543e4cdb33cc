import type { StoredRecord } from '@syncropel/algebra';
import { LogError, RECORD_COLUMNS, SCAN_PAGE_SIZE, recordFromRow, type AppendEntry, type Leadership, type LogHead, type LogQuery, type LogStore, type RecordRow, type SharedLog } from '@syncropel/log';
import { and, asc, desc, eq, gt, notInArray, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { createSchema, requireSchema } from './create-schema.js';
import { followHead } from './follow-head.js';
import { campaignForLead } from './leader-campaign.js';
import { logErrorFromPg } from './log-error-from-pg.js';
import { INT8_AS_NUMBER, toColumns } from './record-row.js';
import { redactUrl } from './redact-url.js';
import { logHead, records } from './schema.js';

/** Options for {@link openPostgresLogStore}. */
export interface PostgresLogStoreOptions {
  /** `postgres://user:password@host:port/database`; the password never appears in `description` or errors. */
  readonly url: string;
  /** How often a campaign for the lead retries the lock (and, once leading, checks its connection). Default 1000. */
  readonly leaderPollMs?: number;
  /**
   * Create the tables and triggers when missing (the default). `false` opens an existing log only
   * and changes nothing (e.g. a health check against a URL that may be mistyped).
   */
  readonly create?: boolean;
  /** Connections for reads. Default 4. Appends, following and each campaign use one connection each besides. */
  readonly poolSize?: number;
}

/** A log in PostgreSQL, shared by every kernel that opens the same database. */
export interface PostgresLogStore extends LogStore {
  readonly shared: SharedLog;
}

/**
 * Opens the log in the database at `url`, creating its tables and triggers if missing. Several
 * processes may open the same database: the database itself keeps seq gapless and
 * commit-ordered, refuses changes to stored records and clocks that do not increase per
 * (actor, thread), and notifies every follower of each new head.
 *
 * @example
 * const store = await openPostgresLogStore({ url: 'postgres://spl@127.0.0.1:5432/spl' });
 * const stop = await store.shared.follow((head) => catchUpTo(head));
 */
export async function openPostgresLogStore(options: PostgresLogStoreOptions): Promise<PostgresLogStore> {
  const description = redactUrl(options.url);
  // Checked here, without the parser's error as cause: that error carries the input, password and all.
  if (!URL.canParse(options.url)) throw new LogError('STORE_UNAVAILABLE', `not a PostgreSQL URL: ${description}`);
  const pollMs = options.leaderPollMs ?? DEFAULT_LEADER_POLL_MS;
  // TCP keepalive after 10 s idle, and a cap on every query: a half-open connection (a lost host,
  // a dropped route) fails the call instead of holding ingest, stop and close for the OS's hours.
  const config: pg.ClientConfig = {
    connectionString: options.url,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_MS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'syncropel',
  };
  // Appends and reads: the notification and campaign connections guard themselves, with unref'd timers.
  const queries: pg.ClientConfig = { ...config, query_timeout: QUERY_TIMEOUT_MS };
  const unavailable = (e: unknown) => logErrorFromPg(e, description);

  // Appends go through one connection so one store's appends commit in call order; it also
  // creates the schema, so a store that opened is a store that can write.
  const writer = new WriterConnection(queries, unavailable);
  try {
    const client = await writer.client();
    if (options.create === false) await requireSchema(client, description);
    else await createSchema(client);
  } catch (e) {
    await writer.end();
    throw unavailable(e);
  }
  const pool = new pg.Pool({ ...queries, max: options.poolSize ?? DEFAULT_POOL_SIZE });
  // An idle pooled connection that breaks is dropped by the pool; the next read opens another.
  pool.on('error', () => undefined);
  const db = drizzle({ client: pool });

  const byId = db.select().from(records).where(eq(records.id, sql.placeholder('id'))).limit(1).prepare('syncropel_get');
  const headQuery = db.select({ seq: records.seq, id: records.id }).from(records).orderBy(desc(records.seq)).limit(1).prepare('syncropel_head');
  const countQuery = db.select({ seq: logHead.seq }).from(logHead).prepare('syncropel_count');

  let closed = false;
  let closing: Promise<void> | undefined;
  // The last append handed to the writer; the next one starts after it, so calls commit in order
  // even across a reconnect.
  let tail: Promise<unknown> = Promise.resolve();
  const unfollows = new Set<() => Promise<void>>();
  const campaigns = new Set<Leadership>();

  const closedError = () => new LogError('STORE_CLOSED', `the log at ${description} is closed`);
  // Every call answers through a rejected promise when closed, and in LogError terms when the database fails.
  const open = async <T>(read: () => Promise<T>): Promise<T> => {
    if (closed) throw closedError();
    try {
      return await read();
    } catch (e) {
      throw unavailable(e);
    }
  };

  const insert = async (entries: readonly AppendEntry[]): Promise<StoredRecord[]> => {
    const now = Date.now();
    const cols = toColumns(entries);
    const client = await writer.client();
    const { rows } = await client.query<[number]>({
      name: 'syncropel_append',
      text: APPEND_SQL,
      values: [entries.length, ...cols.slice(0, 10), now, cols[10]],
      rowMode: 'array',
      types: INT8_AS_NUMBER,
    });
    // Zero rows would mean the head row is gone; the triggers refuse that, but never report a lost append as stored.
    if (rows.length !== entries.length) throw new Error(`append stored ${rows.length} of ${entries.length} records in ${description}`);
    // Positions are base + 1 .. base + n in entry order; the smallest returned is base + 1.
    let first = Number.MAX_SAFE_INTEGER;
    for (const [seq] of rows) if (seq < first) first = seq;
    return entries.map(({ id, record }, i) => ({ ...record, id, seq: first + i, ingested_at: now }));
  };

  const shared: SharedLog = {
    follow: (onHead, onLost) =>
      open(async () => {
        const stop = await followHead(config, description, onHead, onLost);
        // close() may have run while connecting; it could not stop what it did not know of yet.
        if (closed) {
          await stop();
          throw closedError();
        }
        const unfollow = async () => {
          unfollows.delete(unfollow);
          await stop();
        };
        unfollows.add(unfollow);
        return unfollow;
      }),
    lead: (onChange) =>
      open(async () => {
        const campaign = await campaignForLead(config, description, pollMs, onChange);
        if (closed) {
          await campaign.resign();
          throw closedError();
        }
        const tracked: Leadership = {
          get leader() {
            return campaign.leader;
          },
          async resign() {
            campaigns.delete(tracked);
            await campaign.resign();
          },
        };
        campaigns.add(tracked);
        return tracked;
      }),
  };

  return {
    description,
    shared,
    append(entries) {
      if (closed) return Promise.reject(closedError());
      if (entries.length === 0) return Promise.resolve([]);
      const run = tail.then(() => insert(entries)).catch((e: unknown) => Promise.reject(unavailable(e)));
      tail = run.catch(() => undefined);
      return run;
    },
    get: (id) => open(async () => (await byId.execute({ id })).map(toRecord)[0]),
    query: (q: LogQuery) =>
      open(async () => {
        const where: SQL[] = [gt(records.seq, q.after ?? 0)];
        if (q.thread !== undefined) where.push(eq(records.thread, q.thread));
        if (q.actor !== undefined) where.push(eq(records.actor, q.actor));
        if (q.excludeThreads !== undefined && q.excludeThreads.length > 0) where.push(notInArray(records.thread, [...q.excludeThreads]));
        const rows = await db
          .select()
          .from(records)
          .where(and(...where))
          .orderBy(asc(records.seq))
          .limit(q.limit);
        return rows.map(toRecord);
      }),
    // A raw statement in array mode: drizzle's row mapping would be paid a million times on a rebuild.
    async *scan(afterSeq = 0, pageSize = SCAN_PAGE_SIZE) {
      let after = afterSeq;
      for (;;) {
        const { rows } = await open(() => pool.query<RecordRow>({ name: 'syncropel_scan', text: SCAN_SQL, values: [after, pageSize], rowMode: 'array', types: INT8_AS_NUMBER }));
        if (rows.length > 0) yield rows.map(recordFromRow);
        if (rows.length < pageSize) return;
        after = (rows[rows.length - 1] as RecordRow)[0];
      }
    },
    // seq is gapless from 1, so the head counter is the count, without scanning the table.
    count: () => open(async () => (await countQuery.execute())[0]?.seq ?? 0),
    head: () => open(async (): Promise<LogHead | undefined> => (await headQuery.execute())[0]),
    // PostgreSQL checkpoints on its own schedule; there is no WAL of ours to move.
    checkpoint: () => open(async () => undefined),
    close() {
      closed = true;
      closing ??= (async () => {
        await tail;
        await Promise.allSettled([...campaigns].map((c) => c.resign()));
        await Promise.allSettled([...unfollows].map((stop) => stop()));
        await Promise.allSettled([writer.end(), pool.end()]);
      })();
      return closing;
    },
  };
}

/** Default interval of a leadership campaign's polls. */
const DEFAULT_LEADER_POLL_MS = 1000;
const DEFAULT_POOL_SIZE = 4;
// Without one, a connect to a host that drops packets waits for the OS TCP timeout (minutes).
const CONNECT_TIMEOUT_MS = 10_000;
/** TCP keepalive starts after this much idle time on every connection. */
const KEEPALIVE_MS = 10_000;
/** No query may take longer; a scan page or an append group takes milliseconds. */
const QUERY_TIMEOUT_MS = 60_000;

/**
 * The append, in one statement and so one transaction and one round trip. Taking the head row's
 * lock hands out the positions and makes concurrent writers wait for this one's commit, so seq
 * is gapless and commit-ordered: a reader that sees seq n sees every seq below it. A failing
 * insert (duplicate id, clock conflict) rolls the counter back with it. Sequences and identity
 * columns do not give this: their numbers are taken before commit, so a `seq > cursor` reader can
 * pass a number whose transaction commits later, and lose that record.
 */
const APPEND_SQL = /* sql */ `
WITH h AS (UPDATE log_head SET seq = seq + $1::bigint RETURNING seq - $1::bigint AS base)
INSERT INTO records (seq, id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, ingested_at, foreign_clock)
SELECT h.base + t.ord, t.id, t.thread, t.actor, t.act, t.clock, t.data_type, t.judged_by, t.parents, t.body, t.sig, $12::bigint, t.foreign_clock
FROM h, unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $13::boolean[])
  WITH ORDINALITY AS t(id, thread, actor, act, clock, data_type, judged_by, parents, body, sig, foreign_clock, ord)
ORDER BY t.ord
RETURNING seq`;

const SCAN_SQL = `SELECT ${RECORD_COLUMNS} FROM records WHERE seq > $1 ORDER BY seq LIMIT $2`;

/**
 * The one connection appends use, opened again on the next append after it breaks (the append
 * that was running when it broke fails with STORE_UNAVAILABLE: its commit is unknown to us).
 */
class WriterConnection {
  private current: Promise<pg.Client> | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly unavailable: (e: unknown) => unknown,
  ) {}

  client(): Promise<pg.Client> {
    if (!this.current) {
      const attempt: Promise<pg.Client> = this.connect(() => {
        if (this.current === attempt) this.current = undefined;
      });
      this.current = attempt;
    }
    return this.current;
  }

  async end(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    const client = await current?.catch(() => undefined);
    await client?.end().catch(() => undefined);
  }

  private async connect(forget: () => void): Promise<pg.Client> {
    const client = new pg.Client(this.config);
    client.on('error', forget);
    client.on('end', forget);
    try {
      await client.connect();
      return client;
    } catch (e) {
      forget();
      await client.end().catch(() => undefined);
      throw this.unavailable(e);
    }
  }
}

type Row = typeof records.$inferSelect;

function toRecord(row: Row): StoredRecord {
  return recordFromRow([row.seq, row.id, row.thread, row.actor, row.act, row.clock, row.dataType, row.judgedBy, row.parents, row.body, row.sig, row.ingestedAt]);
}
