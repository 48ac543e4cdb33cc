import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { describe, expect, it } from 'vitest';
import { adminSession, waitFor } from './spl-process.js';



describe('the work loop through the real binary', () => {
  it('dispatches an INTEND to an exec adapter, records the verdict, moves trust, closes the thread; AITL and drain work', async () => {
    const { home, daemon, run, json } = await adminSession();
    // The adapter: reads the record on stdin, appends its thread to a file, answers JSON.
    const runs = join(home.dir, 'runs.log');
    const script = join(home.dir, 'echo-adapter.sh');
    writeFileSync(script, `#!/bin/sh\nread -r line\necho "$line" | grep -o 'th_[0-9a-f]*' | head -1 >> ${runs}\necho '{"reply":"done"}'\n`, { mode: 0o755 });

    expect(run('config', 'add-adapter', '--name', 'echo', '--actor', 'did:sync:agent:echo', '--kind', 'exec', '--command', script, '--domain', 'code', '--timeout', '10s').code).toBe(0);
    expect(run('config', 'add-rule', '--name', 'code', '--expression', 'record.act == "INTEND" && record.body.domain == "code"', '--target', 'did:sync:agent:echo').code).toBe(0);
    expect(json('config', 'list-adapters')).toEqual([expect.objectContaining({ name: 'echo', actor: 'did:sync:agent:echo', kind: 'exec', domain: 'code', timeout_secs: 10 })]);

    const emitted = json('intend', '--thread', 'job-1', '--body', '{"domain":"code","task":"hello"}') as { id: string; thread: string; clock: number };
    expect(emitted).toMatchObject({ thread: threadIdFor('job-1'), clock: 0 });
    await waitFor(() => (json('thread', 'state', threadIdFor('job-1')) as { status: string }).status === 'closed', 'the thread to close');
    const records = json('thread', 'records', threadIdFor('job-1')) as { act: string; body: Record<string, unknown> }[];
    expect(records.map((r) => r.act)).toEqual(['INTEND', 'KNOW']);
    expect(records[1]!.body).toMatchObject({ fulfills: emitted.id, verdict: 'success', subject: 'did:sync:agent:echo', output: { reply: 'done' } });
    expect(json('trust', '--actor', 'did:sync:agent:echo')).toEqual([expect.objectContaining({ domain: 'code', successes: 1, trials: 1 })]);
    expect(run('debug', 'replay', threadIdFor('job-1')).stdout).toContain('→ closed');
    // The next INTEND by the same actor on the same thread gets the next clock.
    expect(json('intend', '--thread', 'job-1', '--body', '{"domain":"none"}').clock).toBe(1);

    // AITL: hold prod work for a human.
    expect(run('config', 'add-aitl-rule', '--name', 'prod', '--expression', 'record.body.env == "prod"', '--timeout', '1h').code).toBe(0);
    json('intend', '--thread', 'deploy-a', '--body', '{"domain":"code","env":"prod"}');
    json('intend', '--thread', 'deploy-b', '--body', '{"domain":"code","env":"prod"}');
    await waitFor(() => (json('aitl', 'list') as unknown[]).length === 2, 'two pending decisions');
    const pending = json('aitl', 'list') as { id: string; thread: string }[];
    const a = pending.find((p) => p.thread === threadIdFor('deploy-a'))!;
    const b = pending.find((p) => p.thread === threadIdFor('deploy-b'))!;
    // --thread takes the name the work was filed under, as spl intend --thread does.
    expect(json('aitl', 'list', '--thread', 'deploy-b')).toEqual([b]);
    expect(json('aitl', 'list', '--thread', threadIdFor('deploy-a'))).toEqual([a]);
    expect(run('aitl', 'list', '--thread', 'deploy-b').stdout).toContain(threadIdFor('deploy-b'));
    expect(run('aitl', 'list', '--thread', 'deploy-b').stdout).not.toContain(threadIdFor('deploy-a'));
    expect(run('aitl', 'approve', a.id).stdout).toMatch(/^approved /);
    expect(run('aitl', 'reject', b.id, '--reason', 'freeze').stdout).toMatch(/^rejected /);
    await waitFor(() => (json('thread', 'state', threadIdFor('deploy-a')) as { status: string }).status === 'closed', 'the approved deploy');
    expect(json('aitl', 'list')).toEqual([]);
    expect(run('aitl', 'approve', b.id).stderr).toContain('404 NOT_FOUND');

    // Drain: new work waits, readiness says 503, /health stays ok, stop resumes.
    expect(run('drain', 'start').stdout).toMatch(/^draining: 0 in flight/);
    json('intend', '--thread', 'after-drain', '--body', '{"domain":"code"}');
    expect(run('drain', 'status', '--timeout', '10s').stdout).toMatch(/^draining: 0 in flight, 1 queued/);
    const readiness = await fetch(`${daemon.url}/v1/engine/health`, { headers: { authorization: `Bearer ${home.bearer}` } });
    expect(readiness.status).toBe(503);
    expect(await (await fetch(`${daemon.url}/health`)).text()).toBe('ok');
    expect(run('drain', 'stop').stdout).toMatch(/^resumed/);
    await waitFor(() => (json('thread', 'state', threadIdFor('after-drain')) as { status: string }).status === 'closed', 'the drained work');
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual([threadIdFor('job-1'), threadIdFor('deploy-a'), threadIdFor('after-drain')]);
    const status = json('status') as { reconciled_total: number; reconcile_queue_depth: number };
    expect(status.reconcile_queue_depth).toBe(0);
    expect(status.reconciled_total).toBeGreaterThanOrEqual(5);
    for (const args of [['intend', '--help'], ['aitl', 'approve', '--help'], ['drain', 'status', '--help'], ['config', 'add-adapter', '--help']]) expect(run(...args).code).toBe(0);
    expect(run('intend', '--body', '{}').stderr).toContain('--thread <id|name> or --new-thread is required');
    expect(run('intend', '--thread', 'x', '--body', '[1]').stderr).toContain('--body must be a JSON object');
  });
});
