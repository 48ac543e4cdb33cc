import { LogError } from '@syncropel/log';
import pg from 'pg';
import { HEAD_CHANNEL } from './create-schema.js';
import { logErrorFromPg } from './log-error-from-pg.js';

/**
 * Listens for new heads on a connection of its own (a pooled one would drop the LISTEN when
 * returned). Resolves once `LISTEN` has been acknowledged, so every commit after that is
 * delivered. `onLost` is called once if the connection breaks for any reason but `stop`.
 */
export async function followHead(
  config: pg.ClientConfig,
  where: string,
  onHead: (seq: number) => void,
  onLost: ((error: Error) => void) | undefined,
): Promise<() => Promise<void>> {
  const client = new pg.Client(config);
  let listening = false;
  let done = false;
  const lose = (error: Error) => {
    if (!listening || done) return;
    done = true;
    clearInterval(probe);
    onLost?.(error);
  };
  let probe: NodeJS.Timeout | undefined;
  // An 'error' listener must exist from the start: an unhandled one would crash the process.
  client.on('error', (e) => lose(logErrorFromPg(e, where) as Error));
  client.on('end', () => lose(new LogError('STORE_UNAVAILABLE', `the notification connection to ${where} ended`)));
  client.on('notification', (n) => {
    if (n.channel !== HEAD_CHANNEL || n.payload === undefined) return;
    const seq = Number(n.payload);
    if (Number.isSafeInteger(seq) && !done) onHead(seq);
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${HEAD_CHANNEL}`);
  } catch (e) {
    done = true;
    await client.end().catch(() => undefined);
    throw logErrorFromPg(e, where);
  }
  listening = true;
  // A half-open connection delivers nothing and reports nothing: probe it now and then, so a
  // follower that went deaf finds out (and catches up) instead of serving stale state.
  probe = setInterval(() => {
    const guard = setTimeout(() => {
      lose(new LogError('STORE_UNAVAILABLE', `the notification connection to ${where} stopped answering`));
      void client.end().catch(() => undefined);
    }, PROBE_TIMEOUT_MS).unref();
    client.query('SELECT 1').then(
      () => clearTimeout(guard),
      () => clearTimeout(guard), // an error event reports it
    );
  }, PROBE_EVERY_MS).unref();
  return async () => {
    done = true;
    clearInterval(probe);
    await client.end().catch(() => undefined);
  };
}

/** How often a follower's connection is probed, and how long a probe may take before it counts as lost. */
const PROBE_EVERY_MS = 10_000;
const PROBE_TIMEOUT_MS = 10_000;
