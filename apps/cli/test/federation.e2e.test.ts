import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { PAIR_REQUESTS_THREAD } from '@syncropel/federation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPL_BIN, freePort, serve, spl, tempHome, waitFor, waitGone, type ServeProcess, type TempHome } from './spl-process.js';

/** One instance: its home, fixed port (so the peer keeps reaching it across restarts) and daemon. */
interface Instance {
  readonly home: TempHome;
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
  daemon?: ServeProcess;
}

const started: ServeProcess[] = [];
const instances: Instance[] = [];

async function instance(): Promise<Instance> {
  const home = tempHome();
  const port = await freePort();
  const i: Instance = { home, port, env: { ...home.env, SPL_URL: `http://127.0.0.1:${port}`, SPL_TOKEN: home.bearer } };
  instances.push(i);
  return i;
}

async function start(i: Instance): Promise<void> {
  i.daemon = await serve(i.home.env, ['--port', String(i.port)]);
  started.push(i.daemon);
}

/** `spl federation … --json` (and friends) on an instance; must succeed silently. */
function json(i: Instance, ...args: string[]): any {
  const r = spl([...args, '--json'], i.env);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return JSON.parse(r.stdout);
}

/** `spl serve --stop` on the instance's home, as an operator would; the daemon exits 0. */
async function stop(i: Instance): Promise<void> {
  const r = spl(['serve', '--stop'], i.home.env);
  expect(r.code, r.stderr).toBe(0);
  expect(await waitGone(i.daemon!.pid)).toBe(true);
  expect(await i.daemon!.stop()).toBe(0);
}

afterAll(async () => {
  for (const d of started) await d.stop('SIGKILL');
  for (const i of instances) i.home.remove();
});

describe('spl federation between two real daemons', () => {
  let a: Instance;
  let b: Instance;
  let pairId: string;
  const thread = threadIdFor('federation-e2e');
  /** Whether the shared thread on `i` holds record `id` (a thread it has never seen answers 404). */
  const holds = (i: Instance, id: string) => {
    const r = spl(['thread', 'records', thread, '--json'], i.env);
    if (r.code !== 0 && r.stderr.startsWith('spl: 404 NOT_FOUND: no thread')) return false;
    expect(r.stderr).toBe('');
    return (JSON.parse(r.stdout) as { id: string }[]).some((x) => x.id === id);
  };
  const onA = (id: string) => holds(a, id);
  const onB = (id: string) => holds(b, id);

  beforeAll(async () => {
    a = await instance();
    b = await instance();
    await Promise.all([start(a), start(b)]);
  });

  it('pairs: A asks, the request waits for B’s operator (spl aitl approve), and pair --wait returns once both sides are active', async () => {
    const didA = json(a, 'status').instance_did as string;
    const didB = json(b, 'status').instance_did as string;
    // Asked without --wait it returns at once, establishing, with the hint for the peer's operator.
    const pending = spl(['federation', 'pair', b.env.SPL_URL as string], a.env);
    expect(pending.stderr).toBe('');
    expect(pending.code).toBe(0);
    const m = /^pair (fed_[0-9a-f]{64}) with (\S+) at (\S+): establishing\n/.exec(pending.stdout);
    expect(m?.slice(2)).toEqual([didB, b.env.SPL_URL]);
    expect(pending.stdout).toContain(`waiting for the operator of ${b.env.SPL_URL}`);
    expect(pending.stdout).toContain('spl aitl approve <id>');
    pairId = m![1] as string;
    const asked = json(b, 'federation', 'show', pairId);
    expect(asked).toMatchObject({ pair_id: pairId, state: 'establishing', role: 'responder', peer_did: didA, aitl_request: expect.any(String) });
    expect(spl(['federation', 'show', pairId], b.env).stdout).toContain(`approve it with spl aitl approve ${asked.aitl_request}`);

    // Asking again (after the one-second pause per initiator) renews the nonce of the request that
    // waits on B; this time wait for the decision, made on B meanwhile.
    await new Promise((r) => setTimeout(r, 1100));
    const waiting = spawn(process.execPath, [SPL_BIN, 'federation', 'pair', b.env.SPL_URL as string, '--wait', '60', '--json'], { env: a.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    waiting.stdout.on('data', (c: Buffer) => (out += c.toString()));
    waiting.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => waiting.once('exit', (code) => resolve(code)));
    const request = asked.aitl_request as string;
    await waitFor(() => json(b, 'federation', 'show', pairId).updated_at !== asked.updated_at, 'the second pair request on B');
    expect(json(b, 'federation', 'show', pairId).aitl_request).toBe(request);
    expect((json(b, 'aitl', 'list') as { id: string; thread: string }[]).filter((d) => d.thread === PAIR_REQUESTS_THREAD).map((d) => d.id)).toContain(request);
    expect(spl(['aitl', 'approve', request], b.env).stdout).toMatch(/^approved /);
    expect(await exited).toBe(0);
    expect(err).toBe('');
    expect(JSON.parse(out)).toMatchObject({ pair_id: pairId, state: 'active', role: 'initiator', peer_did: didB });

    // Active on both sides once A has handed B its token; B finds the pair by the peer's DID too.
    await waitFor(() => json(b, 'federation', 'show', didA).peer_credential === true, 'B to hold the token A minted for it');
    expect(json(a, 'federation', 'show', pairId)).toMatchObject({ state: 'active', peer_credential: true, issued_sa: expect.stringMatching(/^fed-/) });
    const listed = json(a, 'federation', 'list') as { pair_id: string; state: string }[];
    expect(listed.map((p) => [p.pair_id, p.state])).toEqual([[pairId, 'active']]);
    const table = spl(['federation', 'list'], b.env).stdout.split('\n');
    expect(table[0]).toMatch(/^PAIR_ID\s+PEER_DID\s+STATE\s+ROLE\s+SHARED\s+RECEIVED\s+LAST_SYNC$/);
    expect(table[1]).toMatch(new RegExp(`^${pairId}\\s+${didA}\\s+active\\s+responder\\s+0\\s+0\\s+-$`));
    // The token each side was given is a file of its own, owner-only, never a record.
    for (const i of [a, b]) expect(statSync(join(i.home.dir, '.syncro', 'federation', `${pairId}.token`)).mode & 0o777).toBe(0o600);
  });

  it('shares a thread by name and syncs it both ways', async () => {
    const written = json(a, 'intend', '--thread', 'federation-e2e', '--body', '{"note":"written on A"}');
    expect(written.thread).toBe(thread);
    // A owns the work: with no route it writes a notice on the thread; let it land before B pulls.
    await waitFor(() => (json(a, 'thread', 'records', thread) as { body: { notice?: string } }[]).some((r) => r.body.notice === 'no_route'), 'A to answer its INTEND');
    const reserved = spl(['federation', 'share', pairId, '--thread', 'th_engine_config'], a.env);
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toMatch(/^spl: 422 VALIDATION_FAILED: thread th_engine_config never federates \(reserved, or the pair-request thread\)\n$/);
    const shared = spl(['federation', 'share', pairId, '--thread', 'federation-e2e'], a.env);
    expect(shared.stdout).toBe(`sharing ${thread} with ${json(b, 'status').instance_did} (pair ${pairId}; 1 thread(s) shared)\n`);
    expect(onB(written.id)).toBe(false);
    const pulled = json(b, 'federation', 'sync', pairId);
    expect(pulled).toMatchObject({ pair_id: pairId, created: 2, refused: 0, has_more: false });
    expect(onB(written.id)).toBe(true);
    expect(json(b, 'federation', 'show', pairId).received_threads).toEqual([thread]);

    // B answers on the shared thread (as the same account name, so its clock goes on from A's).
    const answer = json(b, 'know', '--thread', 'federation-e2e', '--parents', written.id, '--body', '{"note":"answered on B"}');
    expect(answer.clock).toBe(1);
    expect(spl(['federation', 'sync', pairId], a.env).stdout).toMatch(new RegExp(`^synced ${pairId}: pulled \\d+ record\\(s\\) in 1 page\\(s\\): 1 new, \\d+ already held, 0 refused, 0 waiting for parents\\n$`));
    expect(onA(answer.id)).toBe(true);
    // Nothing new: a second pull stores nothing.
    expect(json(b, 'federation', 'sync', pairId)).toMatchObject({ created: 0 });
  });

  it('the pair survives spl serve --stop and a start: records are the state', async () => {
    await stop(a);
    await start(a);
    expect(json(a, 'federation', 'show', pairId)).toMatchObject({ state: 'active', peer_credential: true, shared_threads: [thread] });
    const later = json(a, 'know', '--thread', 'federation-e2e', '--body', '{"note":"after a restart"}');
    expect(json(b, 'federation', 'sync', pairId).created).toBeGreaterThanOrEqual(1);
    expect(onB(later.id)).toBe(true);
    // A still holds B's token too: it pulls from B.
    expect(json(a, 'federation', 'sync', pairId)).toMatchObject({ refused: 0 });
  });

  it('the pair survives spl backup create, stop, spl backup restore and a start', async () => {
    const backup = join(a.home.dir, 'offhost');
    const created = json(a, 'backup', 'create', '--to', backup);
    expect(created.replaced).toBe(true);
    // A change after the backup: the restore takes the pair back to what the backup holds.
    expect(json(a, 'federation', 'share', pairId, '--thread', thread, '--stop').shared_threads).toEqual([]);
    await stop(a);
    // The backup holds fewer records than the store (the unshare came after it): --yes says that is meant.
    const refused = spl(['backup', 'restore', created.path], a.env);
    expect(refused.code).toBe(1);
    const restored = spl(['backup', 'restore', created.path, '--yes'], a.env);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toMatch(/^restored \d+ records from /);
    await start(a);
    expect(json(a, 'federation', 'show', pairId)).toMatchObject({ state: 'active', peer_credential: true, shared_threads: [thread], received_threads: [] });
    const restoredWrite = json(a, 'know', '--thread', 'federation-e2e', '--body', '{"note":"after a restore"}');
    expect(json(b, 'federation', 'sync', pairId).created).toBeGreaterThanOrEqual(1);
    expect(onB(restoredWrite.id)).toBe(true);
    expect(json(a, 'federation', 'sync', pairId)).toMatchObject({ refused: 0 });
  });

  it('revoke: the peer is told, and a further sync fails in one line naming PAIR_REVOKED', () => {
    const revoked = json(a, 'federation', 'revoke', pairId, '--reason', 'e2e done');
    expect(revoked).toMatchObject({ state: 'revoked', revoked_reason: 'e2e done', revoked_by: 'local', peer_notified: true });
    expect(json(b, 'federation', 'show', pairId)).toMatchObject({ state: 'revoked', revoked_by: 'peer' });
    const after = json(a, 'know', '--thread', 'federation-e2e', '--body', '{"note":"after the revocation"}');
    for (const i of [b, a]) {
      const refused = spl(['federation', 'sync', pairId], i.env);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/^spl: 403 PAIR_REVOKED: pair fed_[0-9a-f]{64} was revoked.*\n$/);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(onB(after.id)).toBe(false);
    // Revoking again is not an error; the pair stays revoked.
    expect(spl(['federation', 'revoke', pairId], a.env).code).toBe(0);
  });

  it('fails in one line for an unknown pair, a bad URL or a bad flag', () => {
    const unknown = spl(['federation', 'show', `fed_${'0'.repeat(64)}`], a.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^spl: 404 NOT_FOUND: no pair fed_0+ \(spl federation list shows the pairs\)\n$/);
    const badUrl = spl(['federation', 'pair', 'not a url'], a.env);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/^spl: 422 VALIDATION_FAILED: url must be the http\(s\) base URL of the peer.*\n$/);
    const badWait = spl(['federation', 'pair', b.env.SPL_URL as string, '--wait', 'soon'], a.env);
    expect(badWait.code).toBe(2);
    expect(badWait.stderr).toBe('spl: --wait must be a number of seconds (or 30s, 2m), got "soon"\n');
    for (const args of [['federation', '--help'], ['federation', 'pair', '--help'], ['federation', 'share', '--help']]) expect(spl(args, a.env).code).toBe(0);
  });
});
