import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { describe, expect, it } from 'vitest';
import { ADMIN_DID, adminSession } from './spl-process.js';


describe('config, expressions, trust and threads through the CLI', () => {
  it('manages routing rules, checks CEL with columns, shows trust, threads and a replay', async () => {
    const { home, daemon, run, json } = await adminSession();

    const added = run('config', 'add-rule', '--name', 'code', '--expression', 'record.act == "INTEND" && record.body.domain == "code"', '--target', 'did:sync:agent:echo', '--priority', '5');
    expect(added.stdout).toBe('routing rule code (priority 5) → did:sync:agent:echo; it applies from the next record\n');
    const bad = run('config', 'add-rule', '--name', 'code', '--expression', 'record.act == "INTEND" &&', '--target', 'did:sync:agent:echo');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^spl: 422 VALIDATION_FAILED: body.expression does not compile at line 1, column 26: .+\n$/);
    expect(json('config', 'list-rules')).toEqual([{ name: 'code', expression: 'record.act == "INTEND" && record.body.domain == "code"', target: 'did:sync:agent:echo', priority: 5 }]);
    expect(run('config', 'list-rules').stdout).toMatch(/^PRIORITY +NAME +TARGET +EXPRESSION\n5 +code +did:sync:agent:echo +record\.act == "INTEND"/);
    expect(run('config', 'show').stdout).toContain('routing_rule');

    const check = run('expr', 'check', 'record.body.x ==', '--context', 'routing');
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/^spl: compile error at line 1, column 17: /);
    expect(run('expr', 'check', 'resource == "record_write"', '--context', 'permission').stdout).toBe('ok: the expression compiles\n');
    const recordFile = join(home.dir, 'record.json');
    writeFileSync(recordFile, JSON.stringify({ act: 'INTEND', clock: 4, body: { domain: 'code' } }));
    expect(run('expr', 'eval', 'record.clock > 3 && record.body.domain == "code"', '--record', recordFile).stdout).toBe('true\n');
    expect(run('expr', 'eval', 'record.nope == 1', '--record', recordFile).stderr).toMatch(/evaluation error \(no_such_key\)/);

    const thread = threadIdFor('cli-engine');
    // The admin's token writes as alice and the echo agent only once they are listed for its account.
    const listed = run('service-account', 'update', 'sa-bootstrap-env', '--actors', 'did:sync:user:alice,did:sync:agent:echo');
    expect(listed.stdout).toBe('updated sa-bootstrap-env (scopes admin; writes as did:sync:sa:sa-bootstrap-env,did:sync:user:alice,did:sync:agent:echo)\n');
    const post = async (body: object) => {
      const res = await fetch(`${daemon.url}/v1/records`, { method: 'POST', headers: { authorization: `Bearer ${home.bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string };
    };
    // dispatch_handled: this test is about folds, not dispatch (the work loop would add a notice).
    const intend = await post({ parents: [], thread, actor: 'did:sync:user:alice', act: 'INTEND', body: { domain: 'code', dispatch_handled: true }, clock: 1, data_type: 'SCALAR' });
    await post({ parents: [intend.id], thread, actor: 'did:sync:agent:echo', act: 'DO', body: { step: 1, dispatch_handled: true }, clock: 1, data_type: 'SCALAR' });
    await post({ parents: [intend.id], thread, actor: 'did:sync:user:alice', act: 'KNOW', body: { fulfills: intend.id, verdict: 'success', domain: 'code', subject: 'did:sync:agent:echo' }, clock: 2, data_type: 'SCALAR' });
    await post({ parents: [], thread: threadIdFor('self'), actor: 'did:sync:agent:echo', act: 'KNOW', body: { verdict: 'success', domain: 'code', subject: 'did:sync:agent:echo' }, clock: 1, data_type: 'SCALAR' });

    const trust = json('trust', '--actor', 'did:sync:agent:echo') as { successes: number; trials: number; raw: number; dial: number }[];
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({ successes: 1, trials: 1 });
    expect(trust[0]!.raw).toBeGreaterThan(0.3968);
    expect(run('trust').stdout).toMatch(/ACTOR +DOMAIN +SUCCESSES +TRIALS +RAW +FRESHNESS +EFFECTIVE +DIAL\ndid:sync:agent:echo +code +1 +1 /);

    expect(json('thread', 'state', thread)).toMatchObject({ status: 'closed', record_count: 3, participants: ['did:sync:user:alice', 'did:sync:agent:echo'] });
    expect((json('thread', 'list', '--status', 'closed') as { thread: string }[]).map((t) => t.thread)).toEqual([thread]);
    expect(json('thread', 'records', thread)).toHaveLength(3);
    const replay = run('debug', 'replay', thread);
    expect(replay.stdout.split('\n').filter((l) => l.includes('→')).map((l) => l.trim().split(',')[0])).toEqual(['→ open', '→ active', '→ closed']);
    expect(replay.stdout).toContain('3 record(s) replayed');
    expect(run('thread', 'state', threadIdFor('nothing')).stderr).toContain('404 NOT_FOUND');

    const details = (await (await fetch(`${daemon.url}/v1/engine/health?details=true`, { headers: { authorization: `Bearer ${home.bearer}` } })).json()) as { loops: { tick: { interval_secs: number } }; expression_cache: { capacity: number } };
    expect(details.loops.tick.interval_secs).toBe(60);
    expect(details.expression_cache.capacity).toBe(1024);
    for (const args of [['config', 'add-rule', '--help'], ['expr', 'eval', '--help'], ['thread', 'list', '--help'], ['trust', '--help'], ['debug', 'replay', '--help']]) {
      expect(run(...args).code, args.join(' ')).toBe(0);
    }
  });

  it('pages `thread list` newest first with --cursor, follows every page with --all, and hints at more', async () => {
    const { home, daemon, run, json } = await adminSession();
    let clock = 0;
    const write = async (name: string) => {
      const body = { parents: [], thread: threadIdFor(name), actor: ADMIN_DID, act: 'DO', body: { dispatch_handled: true }, clock: ++clock, data_type: 'SCALAR' };
      const res = await fetch(`${daemon.url}/v1/records`, { method: 'POST', headers: { authorization: `Bearer ${home.bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
    };
    for (let i = 0; i < 5; i++) await write(`cli-page-${i}`);
    type Row = { thread: string; first_seq: number };
    const ids = (rows: Row[]) => rows.map((t) => t.thread);
    const all = json('thread', 'list', '--limit', '1000') as Row[];
    // The daemon's own threads come first in the log, so ours are the newest five.
    expect(ids(all.slice(0, 5))).toEqual([4, 3, 2, 1, 0].map((i) => threadIdFor(`cli-page-${i}`)));
    expect(all.map((t) => t.first_seq)).toEqual([...all.map((t) => t.first_seq)].sort((a, b) => b - a));

    const first = run('thread', 'list', '--limit', '2', '--json');
    expect(ids(JSON.parse(first.stdout))).toEqual(ids(all.slice(0, 2)));
    expect(first.stderr).toBe(`more threads: run again with --cursor ${all[1]!.first_seq}, or with --all\n`);
    // Writes between pages (activity on an old thread, a new thread) do not move the walk.
    await write('cli-page-0');
    await write('cli-page-new');
    const second = run('thread', 'list', '--limit', '2', '--cursor', String(all[1]!.first_seq), '--json');
    expect(ids(JSON.parse(second.stdout))).toEqual(ids(all.slice(2, 4)));

    const table = run('thread', 'list', '--limit', '2', '--cursor', String(all[1]!.first_seq));
    expect(table.stdout.split('\n').filter(Boolean)).toHaveLength(3);
    expect(table.stdout).toMatch(/^THREAD +STATUS +RECORD_COUNT/);
    expect(table.stderr).toContain(`--cursor ${all[3]!.first_seq}`);

    const everything = run('thread', 'list', '--limit', '2', '--all', '--json');
    expect(everything.stderr).toBe('');
    expect(ids(JSON.parse(everything.stdout))).toEqual([threadIdFor('cli-page-new'), ...ids(all)]);
    const bad = run('thread', 'list', '--cursor', 'abc');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^spl: 422 VALIDATION_FAILED: cursor must be an integer/);
  });
});
