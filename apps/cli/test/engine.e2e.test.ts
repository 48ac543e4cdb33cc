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
    // A name stands for its thread id wherever a thread is taken (as with spl intend --thread).
    expect(json('thread', 'state', 'cli-engine')).toEqual(json('thread', 'state', thread));
    expect(json('thread', 'records', 'cli-engine')).toEqual(json('thread', 'records', thread));
    expect(run('debug', 'replay', 'cli-engine').stdout).toBe(replay.stdout);
    const unknown = run('thread', 'records', 'nothing');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`spl: 404 NOT_FOUND: no thread ${threadIdFor('nothing')} (the thread named "nothing")\n`);

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

  it('windows `thread records` and `debug replay` with --limit and --after (default 100), by name, and refuses bad values with exit 2', async () => {
    const { home, daemon, run, json } = await adminSession();
    const thread = threadIdFor('cli-window');
    // 105 records: one more than the default window shows.
    for (let clock = 1; clock <= 105; clock++) {
      const body = { parents: [], thread, actor: ADMIN_DID, act: 'DO', body: { n: clock, dispatch_handled: true }, clock, data_type: 'SCALAR' };
      const res = await fetch(`${daemon.url}/v1/records`, { method: 'POST', headers: { authorization: `Bearer ${home.bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
    }
    type Rec = { seq: number; body: { n: number } };
    const byDefault = run('thread', 'records', 'cli-window', '--json');
    const firstHundred = JSON.parse(byDefault.stdout) as Rec[];
    expect(firstHundred.map((r) => r.body.n)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(byDefault.stderr).toBe(`more records: run again with --after ${firstHundred[99]!.seq} (or a larger --limit)\n`);

    const page = run('thread', 'records', 'cli-window', '--limit', '3', '--after', String(firstHundred[9]!.seq), '--json');
    expect((JSON.parse(page.stdout) as Rec[]).map((r) => r.body.n)).toEqual([11, 12, 13]);
    expect(page.stderr).toContain(`--after ${firstHundred[12]!.seq}`);
    const tail = run('thread', 'records', 'cli-window', '--after', String(firstHundred[99]!.seq), '--json');
    expect((JSON.parse(tail.stdout) as Rec[]).map((r) => r.body.n)).toEqual([101, 102, 103, 104, 105]);
    expect(tail.stderr).toBe(''); // the end: no hint
    expect((json('thread', 'records', thread, '--limit', '1000') as Rec[]).length).toBe(105);

    // Replay from the middle: the state after each step still counts the records before --after.
    const replayed = run('debug', 'replay', 'cli-window', '--after', String(firstHundred[49]!.seq), '--limit', '2', '--json');
    expect(replayed.code).toBe(0);
    const steps = JSON.parse(replayed.stdout) as { record: Rec; state: { record_count: number } }[];
    expect(steps.map((s) => [s.record.body.n, s.state.record_count])).toEqual([[51, 51], [52, 52]]);
    const human = run('debug', 'replay', 'cli-window', '--limit', '2');
    expect(human.stdout).toContain('2 record(s) replayed');
    expect(human.stderr).toContain(`--after ${firstHundred[1]!.seq}`);

    for (const [args, message] of [
      [['--limit', '0'], 'spl: --limit must be a positive integer, got "0"\n'],
      [['--limit', 'ten'], 'spl: --limit must be a positive integer, got "ten"\n'],
      [['--after', '-1'], 'spl: --after must be a log position (an integer ≥ 0), got "-1"\n'],
      [['--after', '1.5'], 'spl: --after must be a log position (an integer ≥ 0), got "1.5"\n'],
    ] as const) {
      for (const command of [['thread', 'records'], ['debug', 'replay']]) {
        const r = run(...command, 'cli-window', ...args);
        expect(r.code, `${command.join(' ')} ${args.join(' ')}`).toBe(2);
        expect(r.stderr).toBe(message);
      }
    }
  });
});
