import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SPL_BIN, daemonize, freePort, killPid, spl, tempHome, type TempHome } from './spl-process.js';

let homes: TempHome[] = [];
let pids: number[] = [];
afterEach(async () => {
  for (const pid of pids) await killPid(pid);
  for (const h of homes) h.remove();
  homes = [];
  pids = [];
});
/** A home with an identity, a saved token and a config pinning a free port (9100 may be busy here). */
async function home(): Promise<TempHome> {
  const h = tempHome();
  homes.push(h);
  expect(spl(['init'], h.env).code).toBe(0);
  expect(spl(['token', 'save', h.bearer], h.env).code).toBe(0);
  writeFileSync(join(h.dir, '.syncro', 'config.toml'), `[server]\nport = ${await freePort()}\n`);
  return h;
}
type Check = { name: string; status: string; detail: string };
function doctor(h: TempHome, env: NodeJS.ProcessEnv = {}) {
  const r = spl(['doctor', '--json'], { ...h.env, ...env });
  const report = JSON.parse(r.stdout) as { exit_code: number; checks: Check[] };
  const by = Object.fromEntries(report.checks.map((c) => [c.name, c])) as Record<string, Check>;
  return { code: r.code, stderr: r.stderr, report, by };
}
const backupDir = (h: TempHome) => {
  const did = (JSON.parse(readFileSync(join(h.dir, '.syncro', 'identity.json'), 'utf8')) as { did: string }).did;
  return join(h.dir, '.local', 'share', 'syncropel', 'backups', `instance-${did.slice(-24)}`);
};

describe('spl doctor', () => {
  it('checks every area, exits 0 when all pass, and integrity-checks the database running or stopped', async () => {
    const h = await home();
    const fresh = doctor(h);
    expect(fresh.report.checks.map((c) => c.name)).toEqual(['home', 'identity', 'config', 'daemon', 'port', 'database', 'wal', 'token', 'backup', 'clock']);
    expect(fresh.code).toBe(0);
    expect(fresh.by.token?.status).toBe('skip'); // well-formed, but no daemon to ask

    // Running: the database is checked over a read-only connection, the token against the daemon.
    const d = daemonize(h.env, []);
    pids.push(d.pid);
    const up = doctor(h);
    expect(up.by.daemon).toMatchObject({ status: 'pass', detail: expect.stringContaining(`pid ${d.pid}`) });
    expect(up.by.database).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^integrity_check ok, \d+ records, each verified against its id, read-only while the daemon runs$/) });
    expect(up.by.token).toMatchObject({ status: 'pass' });
    expect(spl(['serve', '--stop'], h.env).code).toBe(0);

    // Records exist: without a rolling backup that is a warning (exit 1, one line on stderr).
    rmSync(backupDir(h), { recursive: true, force: true });
    const bare = doctor(h);
    expect(bare.by.backup?.status).toBe('warn');
    expect(bare.code).toBe(1);
    expect(bare.stderr.trim().split('\n')).toHaveLength(1);

    // A fresh backup beside it: everything passes.
    mkdirSync(backupDir(h), { recursive: true });
    writeFileSync(join(backupDir(h), 'hub.db.bak'), 'stand-in for the rolling backup');
    const down = doctor(h);
    expect(down.by.database).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^integrity_check ok, \d+ records, each verified against its id$/) });
    expect(down.by.backup?.status).toBe('pass');
    expect(down.code).toBe(0);
    const human = spl(['doctor'], h.env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ok {4}database {2}integrity_check ok/m);

    // An old one warns.
    const old = new Date(Date.now() - 72 * 3600 * 1000);
    utimesSync(join(backupDir(h), 'hub.db.bak'), old, old);
    expect(doctor(h).by.backup).toMatchObject({ status: 'warn', detail: expect.stringContaining('72.0 h ago') });
  });

  it('fails (exit 2) on a secret readable by others, a corrupt database or a refused token; warns on loose home mode', async () => {
    const h = await home();
    chmodSync(join(h.dir, '.syncro'), 0o755);
    const loose = doctor(h);
    expect(loose.by.home?.status).toBe('warn');
    expect(loose.code).toBe(1);
    chmodSync(join(h.dir, '.syncro'), 0o700);

    chmodSync(join(h.dir, '.syncro', 'identity.json'), 0o644);
    const exposed = doctor(h);
    expect(exposed.by.identity).toMatchObject({ status: 'fail', detail: expect.stringContaining('chmod 600') });
    expect(exposed.code).toBe(2);
    chmodSync(join(h.dir, '.syncro', 'identity.json'), 0o600);

    // Bytes changed inside a record body: SQLite's checks pass, the record check does not.
    const db = join(h.dir, '.syncro', 'hub.db');
    const { recordId, threadIdFor } = await import('@syncropel/algebra');
    const { openSqliteLogStore } = await import('@syncropel/log-sqlite');
    const record = { parents: [], thread: threadIdFor('doctor'), actor: 'did:sync:user:ann', act: 'KNOW' as const, body: { topic: 'service_account' }, clock: 0, data_type: 'SCALAR' as const, judged_by: null };
    const store = openSqliteLogStore({ path: db });
    await store.append([{ id: recordId(record), record }]);
    await store.close();
    expect(doctor(h).by.database?.status).toBe('pass');
    const bytes = readFileSync(db);
    const needle = Buffer.from('"topic":"service_account"');
    let changed = 0;
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1), changed++) bytes[at + needle.length - 2] = 0x5a;
    expect(changed).toBeGreaterThan(0);
    writeFileSync(db, bytes);
    const tampered = doctor(h);
    expect(tampered.by.database).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^record seq \d+: content does not hash to its id .*; restore a backup: spl backup list, then spl backup restore <file>$/) });
    expect(tampered.code).toBe(2);

    writeFileSync(db, 'this is not a SQLite database, just bytes '.repeat(200));
    const corrupt = doctor(h);
    expect(corrupt.by.database?.status).toBe('fail');
    expect(corrupt.code).toBe(2);
  });

  it('fails on a token the daemon refuses and on a malformed config file', async () => {
    const h = await home();
    const d = daemonize(h.env, []);
    pids.push(d.pid);
    const refused = doctor(h, { SPL_TOKEN: 'spl_prod_sa-nobody_0123456789abcdef0123' });
    expect(refused.by.token).toMatchObject({ status: 'fail', detail: expect.stringContaining('refused the token (401)') });
    expect(refused.code).toBe(2);
    expect(spl(['serve', '--stop'], h.env).code).toBe(0);

    writeFileSync(join(h.dir, '.syncro', 'config.toml'), '[server]\nport = -1\n');
    const bad = doctor(h);
    expect(bad.by.config).toMatchObject({ status: 'fail', detail: expect.stringContaining('server.port') });
    expect(bad.code).toBe(2);
  });

  it('reports a stale PID file as a warning', async () => {
    const h = await home();
    mkdirSync(join(h.dir, '.syncro', 'run'), { recursive: true });
    writeFileSync(join(h.dir, '.syncro', 'run', 'spl.pid'), JSON.stringify({ pid: 2 ** 22 + 17, started_at: 'x' }));
    const r = doctor(h);
    expect(r.by.daemon).toMatchObject({ status: 'warn', detail: expect.stringContaining('stale PID file') });
    expect(r.code).toBe(1);
  });
});

describe('spl service install / uninstall', () => {
  it('writes a systemd user unit under XDG_CONFIG_HOME that runs spl serve --foreground, without secrets', async () => {
    const h = await home();
    const env = { ...h.env, XDG_CONFIG_HOME: join(h.dir, 'xdg-config') };
    const r = spl(['service', 'install', '--systemd-user'], env);
    expect(r.code).toBe(0);
    const file = join(h.dir, 'xdg-config', 'systemd', 'user', 'syncropel.service');
    expect(r.stdout).toContain(`Wrote ${file}`);
    expect(r.stdout).toContain('systemctl --user daemon-reload && systemctl --user enable --now syncropel.service');
    const unit = readFileSync(file, 'utf8');
    expect(unit).toContain(`ExecStart="${process.execPath}" "${SPL_BIN}" serve --foreground\n`);
    expect(unit).toContain('Restart=on-failure\n');
    expect(unit).toContain(`Environment="SYNCROPEL_HOME=${join(h.dir, '.syncro')}"\n`);
    expect(unit).toContain(`Environment="XDG_DATA_HOME=${join(h.dir, '.local', 'share')}"\n`);
    expect(unit).toMatch(/^\[Service\]$/m);
    expect(unit).toMatch(/^WantedBy=default\.target$/m);
    // SPL_BOOTSTRAP_TOKEN is set in this environment, and must not be written.
    expect(unit).not.toContain(h.env.SPL_BOOTSTRAP_TOKEN as string);
    expect(unit).not.toContain('SPL_BOOTSTRAP_TOKEN');
    expect(unit).not.toContain('SPL_TOKEN');
    expect(r.stdout).toContain('SPL_BOOTSTRAP_TOKEN is set in this shell but was not written');

    expect(spl(['service', 'install', '--systemd-user'], env).stdout).toContain('Already installed');
    writeFileSync(file, `${unit}# local edit\n`);
    const clash = spl(['service', 'install', '--systemd-user'], env);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('--force');
    expect(spl(['service', 'install', '--systemd-user', '--force'], env).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(unit);

    const gone = spl(['service', 'uninstall', '--systemd-user'], env);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain('systemctl --user stop syncropel.service');
    expect(existsSync(file)).toBe(false);

    // Without XDG_CONFIG_HOME the unit goes under ~/.config.
    const plain = spl(['service', 'install', '--systemd-user', '--json'], h.env);
    expect(JSON.parse(plain.stdout)).toMatchObject({ kind: 'systemd-user', file: join(h.dir, '.config', 'systemd', 'user', 'syncropel.service'), written: true });
  });

  it('writes a launchd agent plist with restart-on-failure and the JSON log, without secrets', async () => {
    const h = await home();
    const r = spl(['service', 'install', '--launchd'], h.env);
    expect(r.code).toBe(0);
    const file = join(h.dir, 'Library', 'LaunchAgents', 'com.syncropel.spl.plist');
    expect(r.stdout).toContain(`launchctl bootstrap gui/$(id -u) ${file}`);
    const plist = readFileSync(file, 'utf8');
    expect(plist).toContain('<key>Label</key><string>com.syncropel.spl</string>');
    expect(plist).toContain(`<string>${process.execPath}</string>\n    <string>${SPL_BIN}</string>\n    <string>serve</string>\n    <string>--foreground</string>`);
    expect(plist).toMatch(/<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key><false\/>/);
    expect(plist).toContain(`<key>StandardErrorPath</key><string>${join(h.dir, '.syncro', 'logs', 'spl.log')}</string>`);
    expect(plist).toContain('<key>SPL_LOG_FORMAT</key><string>json</string>');
    expect(plist).not.toContain(h.env.SPL_BOOTSTRAP_TOKEN as string);
    expect(plist).not.toContain('SPL_BOOTSTRAP_TOKEN');
    const gone = spl(['service', 'uninstall', '--launchd'], h.env);
    expect(gone.stdout).toContain('launchctl bootout gui/$(id -u)/com.syncropel.spl');
    expect(existsSync(file)).toBe(false);
    expect(spl(['service', 'install', '--launchd', '--systemd-user'], h.env).code).toBe(2);
  });
});

describe('--help for the lifecycle commands', () => {
  it('answers --help with exit 0', () => {
    const h = tempHome();
    homes.push(h);
    for (const args of [['doctor', '--help'], ['service', '--help'], ['service', 'install', '--help'], ['service', 'uninstall', '--help'], ['serve', '--help']]) {
      const r = spl(args, h.env);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: spl');
    }
  });
});
