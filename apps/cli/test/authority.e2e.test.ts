import { threadIdFor } from '@syncropel/algebra';
import { describe, expect, it } from 'vitest';
import { ADMIN_DID, adminSession } from './spl-process.js';

describe('who may say what, through the real binary', () => {
  it('emits as the token’s own account by default; other DIDs only once an admin lists them with --actors', async () => {
    const { run, json } = await adminSession();
    expect(json('intend', '--thread', 'demo', '--body', '{"goal":"x"}')).toMatchObject({ actor: ADMIN_DID, clock: 0 });

    expect(json('service-account', 'create', 'sa-bot', '--scopes', 'records:read,records:write')).toMatchObject({ actors: [] });
    const bot = (json('token', 'create', '--sa', 'sa-bot') as { bearer: string }).bearer;
    expect(json('know', '--thread', 'demo', '--token', bot)).toMatchObject({ actor: 'did:sync:sa:sa-bot' });

    const forged = run('know', '--thread', 'demo', '--actor', 'did:sync:agent:bot', '--token', bot);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toBe('spl: 403 DID_CLAIM_DENIED: actor did:sync:agent:bot is not a DID that did:sync:sa:sa-bot may write as\n');
    const asAdmin = run('know', '--thread', 'demo', '--actor', ADMIN_DID, '--token', bot);
    expect(asAdmin.stderr).toContain('403 DID_CLAIM_DENIED');

    expect(run('service-account', 'update', 'sa-bot', '--actors', 'did:sync:agent:bot').stdout).toBe('updated sa-bot (scopes records:read,records:write; writes as did:sync:sa:sa-bot,did:sync:agent:bot)\n');
    expect(json('know', '--thread', 'demo', '--actor', 'did:sync:agent:bot', '--token', bot)).toMatchObject({ actor: 'did:sync:agent:bot' });
    expect(run('service-account', 'list').stdout).toMatch(/sa-bot +records:read,records:write +did:sync:agent:bot +active/);

    expect(json('service-account', 'update', 'sa-bot', '--actors', '')).toMatchObject({ actors: [] });
    expect(run('know', '--thread', 'demo', '--actor', 'did:sync:agent:bot', '--token', bot).stderr).toContain('403 DID_CLAIM_DENIED');

    const none = run('service-account', 'update', 'sa-bot');
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('spl: give --scopes, --actors or both\n');
    const instance = run('service-account', 'update', 'sa-bot', '--actors', (json('init') as { did: string }).did);
    expect(instance.stderr).toContain('422 VALIDATION_FAILED: actors[0] is the daemon');
  });

  it('decisions need aitl:decide; the token registry is for admins; tokens are stored keyed', async () => {
    const { run, json } = await adminSession();
    run('config', 'add-aitl-rule', '--name', 'all', '--expression', 'true', '--timeout', '1h');
    json('intend', '--thread', 'held', '--body', '{"to":"did:sync:agent:none"}');
    let pending: { id: string }[] = [];
    for (let i = 0; i < 200 && pending.length === 0; i++) {
      pending = json('aitl', 'list') as { id: string }[];
      if (pending.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(pending).toHaveLength(1);

    json('service-account', 'create', 'sa-writer', '--scopes', 'records:read,records:write');
    const writer = (json('token', 'create', '--sa', 'sa-writer') as { bearer: string }).bearer;
    const refused = run('aitl', 'approve', pending[0]!.id, '--token', writer);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('403 SCOPE_FORBIDDEN');
    expect(refused.stderr).toContain('aitl:decide');

    json('service-account', 'create', 'sa-lead', '--scopes', 'records:read,aitl:decide');
    const lead = (json('token', 'create', '--sa', 'sa-lead') as { bearer: string }).bearer;
    expect(json('aitl', 'reject', pending[0]!.id, '--reason', 'not now', '--token', lead)).toMatchObject({ actor: 'did:sync:sa:sa-lead', body: { cancels: pending[0]!.id } });
    expect(json('aitl', 'list')).toEqual([]);

    const registry = run('thread', 'records', 'th_service_accounts', '--token', writer);
    expect(registry.code).toBe(1);
    expect(registry.stderr).toContain('403 SCOPE_FORBIDDEN');
    const tokens = json('thread', 'records', 'th_service_accounts') as { body: { topic: string; secret_hmac?: string; secret_sha256?: string } }[];
    expect(tokens.filter((r) => r.body.topic === 'token').every((r) => /^[0-9a-f]{64}$/.test(r.body.secret_hmac ?? '') && r.body.secret_sha256 === undefined)).toBe(true);
    expect((json('token', 'list') as { hash: string }[]).every((t) => t.hash === 'keyed')).toBe(true);
    // The rejected work was never dispatched: its thread holds the INTEND, the request and the rejection only.
    expect((json('thread', 'records', threadIdFor('held')) as { act: string }[]).map((r) => r.act)).toEqual(['INTEND', 'KNOW', 'DO']);
  });
});
