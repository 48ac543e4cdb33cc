import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { instanceKey, readIdentity } from '@syncropel/kernel';
import { BACKUP_FILE, VERIFIED_STAMP_SUFFIX, inspect, installBackup, listBackups, moveAside, snapshot, vacuumFile, verifyBackup } from '@syncropel/log-sqlite';
import { FOLD_SNAPSHOT_SUFFIX } from '../defaults.js';
import { CliError } from '../cli-error.js';
import { daemonUrl } from '../daemon-client.js';
import { refuseUnlessSqlite } from '../daemon-store.js';
import { refuseIfDaemonRunning } from '../daemon-liveness.js';
import { withMaintenanceLock } from '../maintenance-lock.js';
import { printJson, printTable } from '../output.js';
import { resolvePaths, type SplPaths } from '../paths.js';

/** Where this instance's backups go: `$XDG_DATA_HOME/syncropel/backups/instance-<key>/`. */
export function backupDirectory(paths: SplPaths): string {
  const identity = readIdentity(paths.identity);
  if (!identity) throw new CliError(`no daemon identity at ${paths.identity}; run spl init (or restore one)`);
  return join(paths.backupRoot, instanceKey(identity.did));
}

/** `spl backup create|list|verify|restore`, `spl vacuum`, `spl archive`. */
export function registerBackup(program: Command): void {
  const backup = program.command('backup').description('snapshots of hub.db: create, list, verify, restore');
  const progress = (line: string) => {
    if (process.stderr.isTTY) process.stderr.write(`… ${line}\n`);
  };

  backup
    .command('create')
    .description('take an online, integrity-checked snapshot (safe while the daemon writes)')
    .option('--to <dir>', 'write it here instead of the instance backup directory (e.g. an off-host mount)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { to?: string; json?: boolean }) => {
      const paths = resolvePaths();
      refuseUnlessSqlite(paths, 'spl backup create');
      if (!existsSync(paths.db)) throw new CliError(`no database at ${paths.db}`);
      const identity = readIdentity(paths.identity);
      const directory = flags.to ? resolve(flags.to) : backupDirectory(paths);
      progress(`snapshotting ${paths.db} into ${directory}`);
      const result = await snapshot(paths.db, { directory, instanceDid: identity?.did ?? 'unknown' });
      if (flags.json) printJson(result);
      else if (result.replaced) process.stdout.write(`backup ${result.path}: ${result.manifest.record_count} records, sha256 ${result.manifest.sha256.slice(0, 16)}…\n`);
      else process.stdout.write(`kept the existing backup: ${result.guard}\n  this snapshot was written beside it: ${result.path}\n`);
      if (!result.replaced) process.exitCode = 1;
    });

  backup
    .command('list')
    .description('backups of this instance (rolling, generations, suspects), newest first')
    .option('--dir <dir>', 'list this directory instead')
    .option('--json', 'print as JSON')
    .action((flags: { dir?: string; json?: boolean }) => {
      const directory = flags.dir ? resolve(flags.dir) : backupDirectory(resolvePaths());
      const list = listBackups(directory);
      if (flags.json) printJson(list);
      else printTable(list.map((b) => ({ path: b.path, created_at: b.manifest?.created_at, records: b.manifest?.record_count, bytes: b.manifest?.bytes })), ['created_at', 'records', 'bytes', 'path']);
    });

  backup
    .command('verify [file]')
    .description('check a backup: integrity, manifest hash and the record chain (default: the rolling backup)')
    .option('--json', 'print as JSON')
    .action(async (file: string | undefined, flags: { json?: boolean }) => {
      const target = file ? resolve(file) : join(backupDirectory(resolvePaths()), BACKUP_FILE);
      progress(`verifying ${target}`);
      const result = await verifyBackup(target);
      if (flags.json) printJson({ file: target, ...result });
      else if (result.ok) process.stdout.write(`ok: ${target} (${result.record_count} records; integrity, hash and record chain verified)\n`);
      if (!result.ok) throw new CliError(`${target} failed verification: ${result.problems.slice(0, 3).join('; ')}`);
    });

  backup
    .command('restore [file]')
    .description('replace hub.db with a verified backup (daemon stopped); the current store is moved aside, never deleted')
    .option('--url <url>', 'where a running daemon would answer')
    .option('--yes', 'restore even if the backup holds fewer records than the current store, without asking')
    .option('--json', 'print as JSON')
    .action(async (file: string | undefined, flags: { url?: string; yes?: boolean; json?: boolean }) => {
      const paths = resolvePaths();
      refuseUnlessSqlite(paths, 'spl backup restore');
      await withMaintenanceLock(paths, 'restore', async () => {
        await refuseIfDaemonRunning(daemonUrl(flags.url), paths, 'restore');
        const source = file ? resolve(file) : join(backupDirectory(paths), BACKUP_FILE);
        progress(`verifying ${source}`);
        const verified = await verifyBackup(source);
        if (!verified.ok) throw new CliError(`refusing to restore ${source}: ${verified.problems.slice(0, 3).join('; ')}`);
        // Going back to fewer records than the store holds is asked about (the store is kept aside either way).
        const current = currentRecordCount(paths.db);
        if (current !== undefined && verified.record_count < current && !flags.yes) {
          const fewer = `${source} holds ${verified.record_count} records, fewer than the ${current} in ${paths.db}`;
          if (!process.stdin.isTTY) throw new CliError(`${fewer}; pass --yes to restore it anyway (the current store is moved aside, not deleted)`);
          if (!(await confirm(`${fewer}.\nThe current store is moved aside, not deleted. Restore anyway? [y/N] `))) throw new CliError('restore cancelled: nothing was changed');
        }
        mkdirSync(dirname(paths.db), { recursive: true, mode: 0o700 });
        // The fold snapshot and verified stamp describe the old bytes: they go aside with them.
        const aside = moveAside(paths.db, `replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`, [FOLD_SNAPSHOT_SUFFIX, VERIFIED_STAMP_SUFFIX]);
        installBackup(source, paths.db);
        const result = { restored: source, records: verified.record_count, moved_aside: aside, db: paths.db };
        if (flags.json) printJson(result);
        else
          process.stdout.write(
            `restored ${verified.record_count} records from ${source} into ${paths.db}\n${aside ? `  the previous store is kept at ${aside}\n` : ''}  start the daemon: trust and config rebuild from the records\n`,
          );
      });
    });

  program
    .command('vacuum')
    .description('rewrite hub.db compactly (VACUUM); refuses while the daemon runs')
    .option('--url <url>', 'where a running daemon would answer')
    .option('--json', 'print as JSON')
    .action(async (flags: { url?: string; json?: boolean }) => {
      const paths = resolvePaths();
      refuseUnlessSqlite(paths, 'spl vacuum');
      const sizes = await withMaintenanceLock(paths, 'vacuum', async () => {
        await refuseIfDaemonRunning(daemonUrl(flags.url), paths, 'vacuum');
        if (!existsSync(paths.db)) throw new CliError(`no database at ${paths.db}`);
        progress(`vacuuming ${paths.db}`);
        return vacuumFile(paths.db);
      });
      if (flags.json) printJson({ db: paths.db, ...sizes });
      else process.stdout.write(`vacuumed ${paths.db}: ${sizes.before} → ${sizes.after} bytes\n`);
    });

  program
    .command('archive')
    .description('tar.gz ~/.syncro, ~/.syncro-data and the backups into one file, then re-open it to verify')
    .option('--out <file>', 'archive path (default: ~/syncropel-archive-<time>.tar.gz)')
    .option('--json', 'print as JSON')
    .action((flags: { out?: string; json?: boolean }) => {
      const paths = resolvePaths();
      const home = process.env.HOME ?? dirname(paths.home);
      const out = resolve(flags.out ?? join(home, `syncropel-archive-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.tar.gz`));
      const dataRoot = dirname(paths.backupRoot); // …/syncropel
      const parts = [paths.home, paths.dataDir, dataRoot].filter((p) => existsSync(p));
      if (parts.length === 0) throw new CliError('nothing to archive: none of the three directories exist');
      progress(`archiving ${parts.join(', ')} into ${out}`);
      // Paths are stored relative to / so the archive restores the same layout under any root.
      // The archive holds the identity key and the saved token: create it owner-only first.
      writeFileSync(out, '', { mode: 0o600 });
      chmodSync(out, 0o600);
      const tar = spawnSync('tar', ['-czf', out, '-C', '/', ...parts.map((p) => p.replace(/^\//, ''))], { encoding: 'utf8' });
      if (tar.status !== 0) throw new CliError(`tar failed: ${(tar.stderr ?? '').trim().split('\n').slice(-1)[0]}`);
      const listed = spawnSync('tar', ['-tzf', out], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      if (listed.status !== 0) throw new CliError(`the archive ${out} does not re-open: ${(listed.stderr ?? '').trim()}`);
      const entries = listed.stdout.split('\n').filter(Boolean);
      const hasDb = entries.some((e) => `/${e}` === paths.db);
      if (existsSync(paths.db) && !hasDb) throw new CliError(`the archive ${out} is missing ${paths.db}`);
      const result = { archive: out, bytes: statSync(out).size, entries: entries.length, directories: parts };
      if (flags.json) printJson(result);
      else process.stdout.write(`archived ${entries.length} entries (${result.bytes} bytes) to ${out} (mode 0600: it holds the identity key); verified it re-opens. Move it off-host before deleting the originals.\n`);
    });
}

/**
 * The records in the current store, read-only; undefined when there is none or it cannot be read
 * (nothing to count, so nothing to ask). `inspect` also runs the integrity check: a full read, as
 * the backup's verification is, and only once per restore.
 */
function currentRecordCount(db: string): number | undefined {
  if (!existsSync(db)) return undefined;
  try {
    return inspect(db).manifest.record_count;
  } catch {
    return undefined;
  }
}

/** Asks a yes/no question on the terminal (stderr, so stdout stays the result); only `y` or `yes` is yes. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
