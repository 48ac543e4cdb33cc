import type { Leadership } from '@syncropel/log';
import pg from 'pg';
import { LEADER_LOCK_KEY } from './create-schema.js';
import { logErrorFromPg } from './log-error-from-pg.js';

/**
 * Campaigns for the lead: polls `pg_try_advisory_lock` on a connection of its own every `pollMs`
 * until it gets the lock. A session-level advisory lock lives exactly as long as its connection,
 * so the server itself ends a lead whose process died or lost its network; no lease to expire.
 * While leading it keeps a cheap query going at the same pace, so a broken connection is noticed
 * even when no error event arrives; then it reports `false`, reconnects and campaigns again.
 * Resolves after the first attempt (a free lock is held by then); the first connection failing
 * rejects with STORE_UNAVAILABLE. `onChange(false)` is also called when `resign` gives up a held lead.
 */
export async function campaignForLead(config: pg.ClientConfig, where: string, pollMs: number, onChange: (leader: boolean) => void): Promise<Leadership> {
  let leader = false;
  let resigned = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let attempt: Promise<void> = Promise.resolve();

  const setLeader = (now: boolean) => {
    if (leader === now) return;
    leader = now;
    onChange(now);
  };

  // Forgets a connection that broke; the lock went with it, so the lead did too.
  const broken = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    void c.end().catch(() => undefined);
    setLeader(false);
  };

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client(config);
    c.on('error', () => broken(c));
    c.on('end', () => broken(c));
    try {
      await c.connect();
    } catch (e) {
      await c.end().catch(() => undefined);
      throw logErrorFromPg(e, where);
    }
    // The server drops a session (and so the lock) whose client went silent: this connection
    // queries every poll, so an idle session means a dead or cut-off leader. Probes every few
    // seconds catch a lost host too. Settings an older server lacks are skipped.
    for (const setting of [`idle_session_timeout = '${Math.max(10 * pollMs, STALL_MS)}ms'`, 'tcp_keepalives_idle = 5', 'tcp_keepalives_interval = 2', 'tcp_keepalives_count = 3']) {
      await c.query(`SET ${setting}`).catch(() => undefined);
    }
    return c;
  };

  const tryOnce = async (): Promise<void> => {
    if (!client) client = await connect();
    const c = client;
    // A half-open connection answers nothing and raises nothing; give up on it after a while.
    const guard = setTimeout(() => broken(c), Math.max(5 * pollMs, STALL_MS)).unref();
    try {
      if (leader) {
        await c.query('SELECT 1');
      } else {
        const { rows } = await c.query<{ got: boolean }>(`SELECT pg_try_advisory_lock(${LEADER_LOCK_KEY}) AS got`);
        // A resign that came in meanwhile ends this connection, which drops the lock again.
        if (rows[0]?.got && !resigned && client === c) setLeader(true);
      }
    } catch {
      broken(c);
    } finally {
      clearTimeout(guard);
    }
  };

  const schedule = () => {
    if (resigned) return;
    // unref'd: a campaign must never be what keeps a process alive.
    timer = setTimeout(() => {
      attempt = tryOnce()
        .catch(() => undefined) // unreachable server: try again next time
        .finally(schedule);
    }, pollMs).unref();
  };

  attempt = tryOnce();
  await attempt;
  schedule();

  return {
    get leader() {
      return leader;
    },
    async resign() {
      if (resigned) return;
      resigned = true;
      clearTimeout(timer);
      await attempt.catch(() => undefined);
      const c = client;
      client = undefined;
      if (c) {
        if (leader) await c.query(`SELECT pg_advisory_unlock(${LEADER_LOCK_KEY})`).catch(() => undefined);
        await c.end().catch(() => undefined);
      }
      setLeader(false);
    },
  };
}

/** The least time a poll may take before its connection counts as broken. */
const STALL_MS = 5000;
