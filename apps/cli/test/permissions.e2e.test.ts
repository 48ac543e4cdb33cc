import { describe, expect, it } from 'vitest';
import { adminSession, spl } from './spl-process.js';


describe('permission rules through the real binary', () => {
  it('refuses the lockout, enforces once covered, and recovers with permissions-unlock while stopped', async () => {
    const session = await adminSession();
    const { env, run } = session;
    const did = (JSON.parse(spl(['init', '--json'], env).stdout) as { did: string }).did;

    // The trap: enabling with no rules would lock everyone out; it is refused and prints the fix.
    const trap = run('config', 'permissions-enable');
    expect(trap.code).toBe(1);
    expect(trap.stderr).toContain(`spl config add-permission-rule --name allow-instance-record-write --action allow --priority 1000 --expression 'current_actor() == "${did}" && resource == "record_write"'`);
    expect(trap.stderr.trim().split('\n').at(-1)).toBe('spl: permissions stay disabled; nothing was written');
    expect(JSON.parse(run('config', 'list-permission-rules', '--json').stdout)).toMatchObject({ enabled: false, rules: [] });

    expect(run('config', 'add-permission-rule', '--name', 'daemon', '--action', 'allow', '--priority', '1000', '--expression', `current_actor() == "${did}"`).code).toBe(0);
    expect(run('config', 'add-permission-rule', '--name', 'admin', '--action', 'allow', '--priority', '900', '--expression', 'current_actor() == "did:sync:sa:sa-bootstrap-env"').code).toBe(0);
    const bad = run('config', 'add-permission-rule', '--name', 'bad', '--action', 'allow', '--priority', '1', '--expression', 'resource ==');
    expect(bad.stderr).toMatch(/422 VALIDATION_FAILED: body.expression does not compile at line 1, column 12/);
    expect(run('config', 'permissions-enable').stdout).toBe('permissions enabled: rules are enforced from the next request\n');

    // A reader with no rule is denied (403 PERMISSION_DENIED) even though its scope allows it.
    const reader = JSON.parse(spl(['service-account', 'create', 'sa-reader', '--scopes', 'records:read', '--json'], env).stdout) as { sa_id: string };
    expect(reader.sa_id).toBe('sa-reader');
    const token = JSON.parse(spl(['token', 'create', '--sa', 'sa-reader', '--json'], env).stdout) as { bearer: string };
    expect(spl(['thread', 'list', '--token', token.bearer], env).stderr).toContain('403 PERMISSION_DENIED: did:sync:sa:sa-reader may not thread_read: no rule allows it');
    const dry = JSON.parse(run('config', 'permissions-dry-run', '--json').stdout) as { checked: number };
    expect(dry.checked).toBeGreaterThan(0);

    // Lock ourselves out on purpose, then recover offline.
    expect(run('config', 'add-permission-rule', '--name', 'deny-all', '--action', 'deny', '--priority', '5000', '--expression', 'true').code).toBe(0);
    expect(run('config', 'permissions-disable').stderr).toContain('403 PERMISSION_DENIED');
    expect(run('config', 'permissions-unlock').stderr).toContain('the daemon is running');
    expect(await session.daemon.stop('SIGTERM')).toBe(0);
    const unlock = spl(['config', 'permissions-unlock'], env);
    expect(unlock.stderr).toBe('');
    expect(unlock.stdout).toMatch(/^permissions disabled \(record [0-9a-f]{64}\); the next start has enforcement off\n$/);

    await session.serveAgain();
    const after = env;
    expect(JSON.parse(spl(['config', 'list-permission-rules', '--json'], after).stdout).enabled).toBe(false);
    expect(spl(['thread', 'list', '--token', token.bearer], after).code).toBe(0);
    for (const args of [['config', 'permissions-enable', '--help'], ['config', 'permissions-unlock', '--help'], ['config', 'permissions-dry-run', '--help']]) expect(spl(args, after).code).toBe(0);
  });
});
