import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_DID, SPL_BIN, serve, spl, tempHome, type ServeProcess, type TempHome } from './spl-process.js';

let home: TempHome | undefined;
let daemon: ServeProcess | undefined;
afterEach(async () => {
  await daemon?.stop('SIGKILL');
  home?.remove();
  daemon = undefined;
  home = undefined;
});

/** Starts a daemon, writes `n` records, stops it cleanly; returns the backup directory. */
async function seeded(h: TempHome, n: number, body: (i: number) => object = (i) => ({ n: i })): Promise<string> {
  const d = await serve(h.env);
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${d.url}/v1/records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parents: [], thread: threadIdFor('seed'), actor: ADMIN_DID, act: 'KNOW', body: body(i), clock: i, data_type: 'SCALAR' }),
    });
    expect(res.status).toBe(201);
  }
  expect(await d.stop('SIGTERM')).toBe(0);
  const did = (JSON.parse(spl(['init', '--json'], h.env).stdout) as { backup_dir: string }).backup_dir;
  return did;
}

describe('backup discipline', () => {
  it('takes a startup backup, and never lets a wiped or emptied hub.db replace it', async () => {
    home = tempHome();
    const backups = await seeded(home, 12);
    // The next start snapshots the 12 records (+ bootstrap records) as the rolling backup.
    daemon = await serve(home.env);
    await daemon.startupBackup();
    const good = JSON.parse(readFileSync(join(backups, 'hub.db.bak.json'), 'utf8')) as { record_count: number; sha256: string };
    expect(good.record_count).toBeGreaterThanOrEqual(12);
    const status = JSON.parse(spl(['status', '--json', '--url', daemon.url, '--token', home.bearer], home.env).stdout) as { last_backup: unknown; backup_warning: string | null };
    expect(status.backup_warning).toBeNull();
    expect(await daemon.stop()).toBe(0);

    const db = join(home.dir, '.syncro', 'hub.db');
    for (const damage of ['delete', 'empty'] as const) {
      if (damage === 'delete') for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
      else writeFileSync(db, '');
      daemon = await serve(home.env);
      await daemon.startupBackup();
      expect(daemon.output()).toContain('BACKUP KEPT: the new snapshot holds');
      expect(daemon.output()).toContain(`spl backup restore ${join(backups, 'hub.db.bak')}`);
      const s = JSON.parse(spl(['status', '--json', '--url', daemon.url, '--token', home.bearer], home.env).stdout) as { backup_warning: string };
      expect(s.backup_warning).toMatch(/^BACKUP KEPT/);
      expect(spl(['status', '--url', daemon.url, '--token', home.bearer], home.env).stdout).toContain('WARNING    BACKUP KEPT');
      expect(JSON.parse(readFileSync(join(backups, 'hub.db.bak.json'), 'utf8')).sha256).toBe(good.sha256);
      expect(await daemon.stop()).toBe(0);
      for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
    }
    expect(readdirSync(backups).filter((f) => f.startsWith('hub.db.suspect-') && f.endsWith('.bak')).length).toBeGreaterThanOrEqual(2);

    // Restore the good copy (daemon stopped), then everything is back.
    const restore = spl(['backup', 'restore'], home.env);
    expect(restore.stderr).toBe('');
    expect(restore.stdout).toMatch(/^restored \d+ records from /);
    daemon = await serve(home.env);
    const list = (await (await fetch(`${daemon.url}/v1/records?thread=${threadIdFor('seed')}&limit=100`, { headers: { authorization: `Bearer ${home.bearer}` } })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(12);
  });

  it('refuses to serve a corrupt or truncated hub.db and names the restore command', async () => {
    home = tempHome();
    await seeded(home, 30);
    const db = join(home.dir, '.syncro', 'hub.db');
    const size = statSync(db).size;
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xab), 0, 4096, 4096); // flip a whole page after the header
    closeSync(fd);
    const flipped = spl(['serve', '--foreground', '--port', '0'], home.env);
    expect(flipped.code).toBe(1);
    expect(flipped.stderr).toMatch(/fails its integrity check|not a database|malformed/);
    expect(flipped.stderr).toContain('spl backup restore');
    truncateSync(db, Math.floor(size / 3));
    const truncated = spl(['serve', '--foreground', '--port', '0'], home.env);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain('spl backup restore');
  });

  it('refuses a store whose record bodies were changed (pages intact), keeps the good backup, and restores from it', async () => {
    home = tempHome();
    const backups = await seeded(home, 30, (i) => ({ note: `original-${String(i).padStart(3, '0')}` }));
    daemon = await serve(home.env);
    await daemon.startupBackup();
    expect(await daemon.stop()).toBe(0);
    daemon = undefined;
    const good = readFileSync(join(backups, 'hub.db.bak.json'), 'utf8');
    // One byte in each of 20 bodies, everywhere the file holds them: SQLite's checks still pass.
    const db = join(home.dir, '.syncro', 'hub.db');
    const bytes = readFileSync(db);
    for (let i = 0; i < 20; i++) {
      const needle = Buffer.from(`original-${String(i).padStart(3, '0')}`);
      for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) bytes[at + needle.length - 1] = 0x5a;
    }
    writeFileSync(db, bytes);
    // Without a fold snapshot the refused start folds everything; it must still write nothing.
    rmSync(`${db}.folds`);
    const sha = () => createHash('sha256').update(readFileSync(db)).digest('hex');
    const before = sha();
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = spl(['serve', '--foreground', '--port', '0'], home.env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/hub\.db holds records that fail verification \(record seq \d+: content does not hash to its id/);
      expect(refused.stderr).toContain('spl backup restore');
    }
    expect(sha()).toBe(before);
    expect(existsSync(`${db}.folds`)).toBe(false);
    expect(existsSync(`${db}.verified`)).toBe(false);
    expect(readFileSync(join(backups, 'hub.db.bak.json'), 'utf8')).toBe(good);
    const restore = spl(['backup', 'restore', '--json'], home.env);
    const aside = (JSON.parse(restore.stdout) as { moved_aside: string }).moved_aside;
    expect(existsSync(aside)).toBe(true);
    daemon = await serve(home.env);
    const list = (await (await fetch(`${daemon.url}/v1/records?thread=${threadIdFor('seed')}&limit=100`, { headers: { authorization: `Bearer ${home.bearer}` } })).json()) as { data: { body: { note: string } }[] };
    expect(list.data.map((r) => r.body.note)).toEqual(Array.from({ length: 30 }, (_, i) => `original-${String(i).padStart(3, '0')}`));
  });

  it('starts from the fold snapshot and the verified stamp after a clean stop, and checks every record after a crash', async () => {
    home = tempHome();
    await seeded(home, 25);
    const db = join(home.dir, '.syncro', 'hub.db');
    for (const f of [`${db}.folds`, `${db}.verified`]) expect(statSync(f).mode & 0o777).toBe(0o600);
    daemon = await serve(home.env);
    expect(daemon.output()).toMatch(/state ready in \d+ ms: fold snapshot at seq \d+ \+ 0 records; store unchanged since its verified clean stop/);
    const health = (await (await fetch(`${daemon.url}/v1/engine/health?details=true`, { headers: { authorization: `Bearer ${home.bearer}` } })).json()) as { fold_snapshot: { loaded_seq: number; ignored: string | null } };
    expect(health.fold_snapshot.ignored).toBeNull();
    expect(health.fold_snapshot.loaded_seq).toBeGreaterThanOrEqual(25);
    await daemon.startupBackup();
    expect(await daemon.stop('SIGKILL')).toBe('SIGKILL');
    daemon = await serve(home.env);
    expect(daemon.output()).toMatch(/store verified record by record \(no stamp/);
    const list = (await (await fetch(`${daemon.url}/v1/records?thread=${threadIdFor('seed')}&limit=100`, { headers: { authorization: `Bearer ${home.bearer}` } })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(25);
  });

  it('creates, lists and verifies backups from the CLI, refuses restore and vacuum while running, archives the three directories', async () => {
    home = tempHome();
    await seeded(home, 5);
    daemon = await serve(home.env);
    await daemon.startupBackup();
    const env = { ...home.env, SPL_URL: daemon.url };
    const offhost = join(home.dir, 'offhost');
    const created = JSON.parse(spl(['backup', 'create', '--to', offhost, '--json'], env).stdout) as { replaced: boolean; path: string };
    expect(created).toMatchObject({ replaced: true, path: join(offhost, 'hub.db.bak') });
    expect(spl(['backup', 'verify', created.path], env).stdout).toMatch(/^ok: .* records; integrity, hash and record chain verified\)\n$/);
    expect((JSON.parse(spl(['backup', 'list', '--json'], env).stdout) as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect(spl(['backup', 'restore', created.path], env).stderr).toContain('restore refuses to run while the daemon is running');
    expect(spl(['vacuum'], env).stderr).toContain('vacuum refuses to run while the daemon is running');
    expect(await daemon.stop()).toBe(0);
    daemon = undefined;
    expect(spl(['vacuum'], env).stdout).toMatch(/^vacuumed .*hub\.db: \d+ → \d+ bytes\n$/);

    const tampered = join(home.dir, 'tampered.bak');
    writeFileSync(tampered, readFileSync(created.path));
    writeFileSync(`${tampered}.json`, readFileSync(`${created.path}.json`));
    const fd = openSync(tampered, 'r+');
    writeSync(fd, Buffer.from('XXXXXXXX'), 0, 8, 200);
    closeSync(fd);
    const bad = spl(['backup', 'verify', tampered], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/failed verification: sha256/);
    expect(spl(['backup', 'restore', tampered], env).stderr).toContain('refusing to restore');

    const out = join(home.dir, 'archive.tar.gz');
    const archived = JSON.parse(spl(['archive', '--out', out, '--json'], env).stdout) as { entries: number; directories: string[] };
    expect(existsSync(out)).toBe(true);
    expect(archived.directories).toEqual([join(home.dir, '.syncro'), join(home.dir, '.syncro-data'), join(home.dir, '.local', 'share', 'syncropel')]);
    expect(archived.entries).toBeGreaterThan(3);

    // The operator guide's own archive command names all three folders; tar fails on a missing one.
    const guide = spawnSync('sh', ['-c', 'tar czf "$HOME/guide-archive.tar.gz" -C "$HOME" .syncro .syncro-data .local/share/syncropel'], { env, encoding: 'utf8' });
    expect(guide.stderr).toBe('');
    expect(guide.status).toBe(0);
  });

  it('asks before restoring a backup with fewer records than the store: y/N on a terminal, --yes, refused without a terminal', async () => {
    home = tempHome();
    await seeded(home, 3);
    const older = join(home.dir, 'older');
    const small = JSON.parse(spl(['backup', 'create', '--to', older, '--json'], home.env).stdout) as { path: string; manifest: { record_count: number } };
    // Five more records after that backup.
    const d = await serve(home.env);
    daemon = d;
    for (let i = 3; i < 8; i++) {
      const res = await fetch(`${d.url}/v1/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${home.bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ parents: [], thread: threadIdFor('seed'), actor: ADMIN_DID, act: 'KNOW', body: { n: i }, clock: i, data_type: 'SCALAR' }),
      });
      expect(res.status).toBe(201);
    }
    expect(await d.stop()).toBe(0);
    daemon = undefined;
    const syncro = join(home.dir, '.syncro');
    const db = join(syncro, 'hub.db');
    const asides = () => readdirSync(syncro).filter((f) => /^hub\.db\.replaced-[^.]+Z$/.test(f));
    const dbBytes = readFileSync(db);

    // No terminal, no --yes: one line naming --yes, nothing changed.
    const refused = spl(['backup', 'restore', small.path], home.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.startsWith(`spl: ${small.path} holds ${small.manifest.record_count} records, fewer than the `)).toBe(true);
    expect(refused.stderr).toContain(` in ${db}; pass --yes to restore it anyway (the current store is moved aside, not deleted)\n`);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stdout).toBe('');
    expect(asides()).toEqual([]);
    expect(readFileSync(db).equals(dbBytes)).toBe(true);

    // On a terminal (script(1) gives it one): anything but y changes nothing; y restores.
    const onTty = (answer: string) =>
      spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(SPL_BIN)} backup restore ${JSON.stringify(small.path)}`, '/dev/null'], { env: home!.env, input: answer, encoding: 'utf8', timeout: 30_000 });
    const no = onTty('n\n');
    expect(no.stdout).toContain('Restore anyway? [y/N]');
    expect(no.stdout).toContain('restore cancelled: nothing was changed');
    expect(no.status).toBe(1);
    expect(asides()).toEqual([]);
    expect(readFileSync(db).equals(dbBytes)).toBe(true);
    const yes = onTty('y\n');
    expect(yes.stdout).toContain(`restored ${small.manifest.record_count} records from ${small.path}`);
    expect(yes.status).toBe(0);
    expect(asides()).toHaveLength(1);
    // The store it replaced is kept whole beside it.
    expect(readFileSync(join(syncro, asides()[0]!)).equals(dbBytes)).toBe(true);

    // A restore that loses nothing goes ahead without asking; --yes skips the question.
    const bigger = JSON.parse(spl(['backup', 'create', '--to', join(home.dir, 'bigger'), '--json'], home.env).stdout) as { path: string };
    expect(spl(['backup', 'restore', bigger.path], home.env).code).toBe(0);
    const quiet = spl(['backup', 'restore', small.path, '--yes', '--json'], home.env);
    expect(quiet.stderr).toBe('');
    expect(quiet.code).toBe(0);
    expect(JSON.parse(quiet.stdout)).toMatchObject({ restored: small.path, records: small.manifest.record_count });
  });

  it('holds a maintenance lock during offline operations: the daemon will not start under one', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdirSync } = await import('node:fs');
    home = tempHome();
    await seeded(home, 1);
    const holder = spawn('sleep', ['30']);
    try {
      mkdirSync(join(home.dir, '.syncro', 'run'), { recursive: true });
      writeFileSync(join(home.dir, '.syncro', 'run', 'maintenance.lock'), JSON.stringify({ pid: holder.pid, operation: 'restore' }));
      const refused = spl(['serve', '--foreground', '--port', '0'], home.env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`a maintenance operation (restore, pid ${holder.pid}) is running on this home`);
      expect(existsSync(join(home.dir, '.syncro', 'run', 'spl.pid'))).toBe(false);
      expect(spl(['vacuum'], home.env).stderr).toContain(`another maintenance operation (restore, pid ${holder.pid}) is running`);
    } finally {
      holder.kill('SIGKILL');
    }
    // A lock left by a dead process is ignored and replaced.
    await new Promise((r) => holder.once('exit', r));
    expect(spl(['vacuum'], home.env).code).toBe(0);
    expect(existsSync(join(home.dir, '.syncro', 'run', 'maintenance.lock'))).toBe(false);
  });
});
