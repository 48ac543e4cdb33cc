import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, killRecorded, operator, secretOf, serve, spl, tempHome, type ServeProcess, type TempHome } from './spl-process.js';

// Shell helpers the scripts share: start a named daemon in the background (pid to $HOME/<name>.pid)
// and wait until it is ready; stop it with SIGTERM and wait for the exit.
const PRELUDE = `
export SPL_URL="http://127.0.0.1:$PORT"
start() {
  local name=$1; shift
  spl serve --foreground --port "$PORT" "$@" >"$HOME/$name.log" 2>&1 &
  echo $! > "$HOME/$name.pid"
  # Ready once /v1/engine/health stops answering 503 STARTING (401 without a token is fine here).
  for _ in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$SPL_URL/v1/engine/health" || true)
    case "$code" in 000|503) sleep 0.05 ;; *) return 0 ;; esac
  done
  echo "daemon $name did not start"; cat "$HOME/$name.log"; return 1
}
stop() { kill -TERM "$(cat "$HOME/$1.pid")"; wait "$(cat "$HOME/$1.pid")" || true; }
`;

let homes: TempHome[] = [];
let daemons: ServeProcess[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop('SIGKILL');
  for (const h of homes) {
    await killRecorded(h, ['first', 'second', 'b1', 'b2', 'bad']);
    h.remove();
  }
  homes = [];
  daemons = [];
});
function home(): TempHome {
  const h = tempHome();
  homes.push(h);
  return h;
}
const log = (h: TempHome, name: string) => readFileSync(join(h.dir, `${name}.log`), 'utf8');

describe('Path A: SPL_BOOTSTRAP_TOKEN, as the operator guide types it', () => {
  it('mints the admin once, the saved bearer works, and a restart with the variable set mints nothing', async () => {
    const h = home();
    const PORT = String(await freePort());
    const r = operator(
      h,
      `${PRELUDE}
SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 32)
export SPL_BOOTSTRAP_TOKEN="$SECRET"
start first

# Reconstruct the canonical bearer (defaults: env=prod, sa=sa-bootstrap-env)
BEARER="spl_prod_sa-bootstrap-env_\${SECRET}"
spl token save "$BEARER"
spl status
echo "SECRET=$SECRET"
stop first

start second
spl status
spl service-account list --json > "$HOME/accounts.json"
spl token list --json > "$HOME/tokens.json"
stop second
`,
      { PORT },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/spl daemon is up \(ready\)/g)).toHaveLength(2);
    const secret = /SECRET=(\S+)/.exec(r.stdout)?.[1] as string;
    expect(secret).toHaveLength(32);

    const accounts = JSON.parse(readFileSync(join(h.dir, 'accounts.json'), 'utf8')) as { sa_id: string; scopes: string[] }[];
    expect(accounts).toEqual([expect.objectContaining({ sa_id: 'sa-bootstrap-env', scopes: ['admin'], revoked: false })]);
    const tokens = readFileSync(join(h.dir, 'tokens.json'), 'utf8');
    expect(JSON.parse(tokens)).toHaveLength(1);
    expect(tokens).not.toContain(secret);

    expect(log(h, 'first')).toContain('SPL_BOOTSTRAP_TOKEN: minted service account sa-bootstrap-env');
    expect(log(h, 'second')).toContain('service accounts already exist');
    for (const name of ['first', 'second']) expect(log(h, name)).not.toContain(secret);
    expect(statSync(join(h.dir, '.syncro', 'token')).mode & 0o777).toBe(0o600);
  });

  it('warns about a malformed secret, never echoes it, and starts anyway', async () => {
    for (const bad of ['too-short', 'x'.repeat(300), 'has a space inside it right', 'tab\tinside-the-secret-value']) {
      const h = home();
      const daemon = await serve({ ...h.env, SPL_BOOTSTRAP_TOKEN: bad });
      daemons.push(daemon);
      expect(await (await fetch(`${daemon.url}/health`)).text()).toBe('ok');
      // Not a terminal, so the daemon logs JSON lines: a warning, naming the variable but not its value.
      expect(daemon.output()).toMatch(/"level":"warn".*"msg":"SPL_BOOTSTRAP_TOKEN (is \d+ characters|contains whitespace)/);
      expect(daemon.output()).not.toContain(bad);
      // No account was minted: auth is required and nothing can authenticate yet.
      expect((await fetch(`${daemon.url}/v1/records`)).status).toBe(401);
      expect(await daemon.stop()).toBe(0);
    }
  });
});

describe('Path B: --insecure-localhost, as the operator guide types it', () => {
  it('mints the first SA over curl once, then bootstrap is closed in every mode', async () => {
    const h = home();
    const PORT = String(await freePort());
    const r = operator(
      h,
      `${PRELUDE}
start b1 --insecure-localhost

curl -fsS -X POST http://127.0.0.1:$PORT/v1/bootstrap/service-account \\
  -H 'content-type: application/json' \\
  -d '{"sa_id":"sa-admin","scopes":["admin"]}' > "$HOME/boot.json"
BEARER=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).bearer)' "$HOME/boot.json")
echo "again=$(curl -s -o "$HOME/again.json" -w '%{http_code}' -X POST http://127.0.0.1:$PORT/v1/bootstrap/service-account \\
  -H 'content-type: application/json' -d '{"sa_id":"sa-other","scopes":["admin"]}')"

spl token save "$BEARER"
stop b1
start b2
spl status
echo "closed=$(curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$PORT/v1/bootstrap/service-account \\
  -H 'content-type: application/json' -d '{"sa_id":"sa-late","scopes":["admin"]}')"
echo "anonymous=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/v1/records)"
stop b2
`,
      { PORT, SPL_BOOTSTRAP_TOKEN: '' },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const boot = JSON.parse(readFileSync(join(h.dir, 'boot.json'), 'utf8')) as { bearer: string; sa_id: string; scopes: string[] };
    expect(boot).toMatchObject({ sa_id: 'sa-admin', scopes: ['admin'] });
    expect(boot.bearer).toMatch(/^spl_prod_sa-admin_[0-9a-f]{64}$/);
    expect(r.stdout).toContain('again=409');
    expect(JSON.parse(readFileSync(join(h.dir, 'again.json'), 'utf8'))).toMatchObject({ error: { code: 'BOOTSTRAP_CLOSED' } });
    expect(r.stdout).toContain('spl daemon is up (ready)');
    expect(r.stdout).toContain('closed=409');
    expect(r.stdout).toContain('anonymous=401');
    expect(log(h, 'b1')).toContain('auth       OFF (--insecure-localhost)');
    for (const name of ['b1', 'b2']) expect(log(h, name)).not.toContain(secretOf(boot.bearer));
  });

  it('refuses --insecure-localhost with another host', () => {
    const h = home();
    const r = spl(['serve', '--foreground', '--insecure-localhost', '--host', '::1'], h.env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('spl: --insecure-localhost binds 127.0.0.1 only; refusing --host ::1');
  });
});

describe('service accounts and tokens through the CLI', () => {
  it('creates, mints, snapshots scopes, rotates, revokes; finds the token in --token, SPL_TOKEN, saved file order', async () => {
    const h = home();
    const daemon = await serve(h.env);
    daemons.push(daemon);
    const env = { ...h.env, SPL_URL: daemon.url };
    const json = (args: string[], e: NodeJS.ProcessEnv = env) => {
      const r = spl([...args, '--json'], e);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(0);
      return JSON.parse(r.stdout);
    };
    expect(spl(['token', 'save', h.bearer], env).code).toBe(0);

    expect(json(['service-account', 'create', 'sa-emitter', '--scopes', 'records:read,records:write', '--actors', 'did:sync:agent:ci'])).toMatchObject({
      sa_id: 'sa-emitter',
      scopes: ['records:read', 'records:write'],
      actors: ['did:sync:agent:ci'],
    });
    const dup = spl(['service-account', 'create', 'sa-emitter', '--scopes', 'records:read'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^spl: 409 ALREADY_EXISTS: service account sa-emitter already exists\n$/);
    const badScope = spl(['service-account', 'create', 'sa-bad', '--scopes', 'records:delete'], env);
    expect(badScope.stderr).toContain('422 VALIDATION_FAILED: scopes has an unknown scope "records:delete"');

    const emitter = json(['token', 'create', '--sa', 'sa-emitter', '--label', 'ci']) as { token_id: string; bearer: string; scopes: string[] };
    expect(emitter.scopes).toEqual(['records:read', 'records:write']);
    const thread = threadIdFor('cli-auth');
    const write = (bearer: string, clock: number) =>
      fetch(`${daemon.url}/v1/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ parents: [], thread, actor: 'did:sync:agent:ci', act: 'DO', body: {}, clock, data_type: 'SCALAR' }),
      });
    expect((await write(emitter.bearer, 1)).status).toBe(201);
    // The emitter writes as its own DID and the listed one, never as another account.
    const forged = await fetch(`${daemon.url}/v1/records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emitter.bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parents: [], thread, actor: 'did:sync:sa:sa-bootstrap-env', act: 'DO', body: {}, clock: 0, data_type: 'SCALAR' }),
    });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'DID_CLAIM_DENIED', field: 'actor' });
    expect(spl(['service-account', 'list', '--token', emitter.bearer], env).stderr).toContain('403 SCOPE_FORBIDDEN');

    // Narrow the SA: the existing token keeps its snapshot, a new one gets the new scopes.
    json(['service-account', 'update', 'sa-emitter', '--scopes', 'records:read']);
    expect((await write(emitter.bearer, 2)).status).toBe(201);
    const reader = json(['token', 'create', '--sa', 'sa-emitter']) as { bearer: string };
    expect((await write(reader.bearer, 3)).status).toBe(403);

    const list = spl(['token', 'list', '--json'], env).stdout;
    expect(list).toContain(emitter.token_id);
    for (const secret of [h.bearer, emitter.bearer, reader.bearer].map((b) => secretOf(b))) expect(list).not.toContain(secret);

    const rotated = json(['token', 'rotate', emitter.token_id]) as { bearer: string; token_id: string; revoked: string };
    expect(rotated.revoked).toBe(emitter.token_id);
    expect((await write(emitter.bearer, 4)).status).toBe(401);
    expect((await write(rotated.bearer, 4)).status).toBe(403); // the SA's current scopes: read only

    json(['token', 'revoke', rotated.token_id]);
    expect((await fetch(`${daemon.url}/v1/records`, { headers: { authorization: `Bearer ${rotated.bearer}` } })).status).toBe(401);
    json(['service-account', 'revoke', 'sa-emitter']);
    expect((await fetch(`${daemon.url}/v1/records`, { headers: { authorization: `Bearer ${reader.bearer}` } })).status).toBe(401);

    // Lookup order: --token, then SPL_TOKEN, then the saved file (which holds the admin bearer).
    const broken = 'spl_prod_sa-nobody_0000000000000000000000';
    expect(spl(['service-account', 'list'], env).code).toBe(0);
    expect(spl(['service-account', 'list'], { ...env, SPL_TOKEN: broken }).stderr).toContain('401 AUTH_REQUIRED');
    expect(spl(['service-account', 'list', '--token', h.bearer], { ...env, SPL_TOKEN: broken }).code).toBe(0);
    expect(spl(['service-account', 'list', '--token', broken], env).code).toBe(1);
    const badSave = spl(['token', 'save', 'not-a-token'], env);
    expect(badSave.code).toBe(1);
    expect(badSave.stderr).not.toContain('not-a-token');

    // Help exists for every new command.
    for (const args of [['token', '--help'], ['token', 'rotate', '--help'], ['service-account', 'create', '--help'], ['config', 'auth-set-cors-origins', '--help']]) {
      expect(spl(args, env).code, args.join(' ')).toBe(0);
    }
    expect(daemon.output()).not.toContain(secretOf(h.bearer));
  });

  it('sets the CORS allowlist from the CLI, and audits refused requests in aggregate', async () => {
    const h = home();
    let daemon = await serve(h.env);
    daemons.push(daemon);
    const env = { ...h.env, SPL_URL: daemon.url, SPL_TOKEN: h.bearer };
    const set = spl(['config', 'auth-set-cors-origins', 'https://a.example', 'https://b.example'], env);
    expect(set.stdout).toBe('CORS allowlist: https://a.example https://b.example\n');
    const preflight = (origin: string) =>
      fetch(`${daemon.url}/v1/records`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    expect((await preflight('https://b.example')).headers.get('access-control-allow-origin')).toBe('https://b.example');
    expect((await preflight('https://c.example')).headers.get('access-control-allow-origin')).toBeNull();
    expect(spl(['config', 'auth-set-cors-origins', 'https://a.example/x'], env).stderr).toContain('origins[0]');

    for (let i = 0; i < 5; i++) await fetch(`${daemon.url}/v1/records`);
    expect(await daemon.stop()).toBe(0); // flushes the audit window
    daemon = await serve(h.env);
    daemons.push(daemon);
    const audit = (await (await fetch(`${daemon.url}/v1/records?thread=th_audit&limit=1000`, { headers: { authorization: `Bearer ${h.bearer}` } })).json()) as {
      data: { body: { topic: string; reason?: string; count?: number; source?: string } }[];
    };
    const failures = audit.data.filter((r) => r.body.topic === 'auth_failure');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.body).toMatchObject({ reason: 'missing', count: 5, source: '127.0.0.1' });
    expect(audit.data.map((r) => r.body.topic)).toEqual(expect.arrayContaining(['bootstrap', 'token_minted']));
    expect(JSON.stringify(audit)).not.toContain(secretOf(h.bearer));
  });
});
