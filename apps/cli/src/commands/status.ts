import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { KernelHealth } from '@syncropel/kernel';
import { BACKUP_FILE, readManifest } from '@syncropel/log-sqlite';
import type { DaemonInfo } from '@syncropel/http';
import { POSTGRES_BACKUP_HINT } from '../daemon-store.js';
import { CliError } from '../cli-error.js';
import { callDaemon, daemonUrl, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson } from '../output.js';
import { resolvePaths } from '../paths.js';
import { inspectPidFile, type PidFileState } from '../pid-file.js';
import { isSplServeOf, listeningPid } from '../process-probe.js';
import { resolveToken } from '../saved-token.js';

/** The readiness JSON (older daemons may lack `draining`/`in_flight`). */
type Health = Omit<KernelHealth, 'draining' | 'in_flight'> & DaemonInfo & { readonly draining?: boolean; readonly in_flight?: number };

/**
 * `spl status`: up/down, pid, version, bind address, uptime, record count, database path and
 * size, backup destination and last backup (and drain state once the daemon reports it).
 * Without a token (or with one the daemon refuses, 401) it shows what needs none — pid, address,
 * liveness, readiness, the probe's record count and uptime (else uptime from run/spl.json) — and
 * how to authenticate; exit 0 when ready.
 * Exit 1 when down, not ready, or the token lacks the scope (403).
 */
export function registerStatus(program: Command): void {
  clientOptions(program.command('status').description('show whether the daemon is up, its pid, address, records, uptime, database and backups (exit 1 when down)')).action(
    async (flags: ClientFlags) => {
      const base = daemonUrl(flags.url);
      const paths = resolvePaths();
      const pidFile = inspectPidFile(paths);
      const token = resolveToken(flags.token);
      let answer;
      try {
        answer = await callDaemon<Health | { error?: { code: string; message: string } }>(base, '/v1/engine/health', {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      } catch (e) {
        const stale =
          pidFile.state === 'stale'
            ? `; stale PID file: ${pidFile.reason}`
            : pidFile.state === 'running'
              ? pidFile.record.url
                ? `; this home's daemon (pid ${pidFile.record.pid}) is at ${pidFile.record.url}: spl status --url ${pidFile.record.url}`
                : `; this home's daemon (pid ${pidFile.record.pid}) is still starting`
              : '';
        if (flags.json) printJson({ up: false, url: base, reason: (e as Error).message, pid_file: pidFileSummary(pidFile) });
        else process.stdout.write(`spl daemon is down\n  url        ${base}\n  pid file   ${describePidFile(pidFile, paths.pidFile)}\n`);
        throw new CliError(`${(e as Error).message}${stale}`);
      }
      const pid = daemonPid(base, pidFile, paths.home);
      if (answer.status === 401) {
        // A refused token (or a daemon that answers nothing without one): show what needs none.
        const error = (answer.body as { error?: { code: string; message: string } }).error;
        await printAnonymous({ base, pid, pidFile, token, flags, status: answer.status, counters: undefined, reason: `${error?.code ?? answer.status}: ${error?.message ?? 'refused'}` });
        return;
      }
      if (answer.status === 403) {
        const error = (answer.body as { error?: { code: string; message: string } }).error;
        const reason = `${error?.code ?? answer.status}: ${error?.message ?? 'refused'}`;
        if (flags.json) printJson({ up: true, url: base, pid, authorized: false, reason });
        else process.stdout.write(`spl daemon is up at ${base}${pid ? ` (pid ${pid})` : ''}, but it refused the status request (${reason})\n`);
        throw new CliError('the token may not read the status (it needs the records:read scope); save another: spl token save <bearer>');
      }
      const h = answer.body as Health;
      if (typeof h !== 'object' || h === null || typeof h.status !== 'string') {
        throw new CliError(`${base} answered ${answer.status} but not like a Syncropel daemon`);
      }
      const start = (answer.body as { start_progress?: { folded: number; total: number }; phase?: string }).start_progress;
      if (h.status === 'starting' && start) {
        // Starting answers carry only the phase and progress (no token is checked yet).
        const phase = (answer.body as { phase?: string }).phase ?? 'starting';
        if (flags.json) printJson({ up: true, url: base, pid, status: 'starting', phase, start_progress: start });
        else process.stdout.write(`spl daemon is starting (${phase}: ${start.folded} of ${start.total} records folded)\n  url        ${base}\n  pid        ${pid ?? 'unknown'}\n`);
        throw new CliError(`the daemon at ${base} is starting; retry shortly`);
      }
      if (!Object.hasOwn(h, 'auth_required')) {
        // Sent without a token, the probe answers its counters only: show them with what needs none.
        await printAnonymous({ base, pid, pidFile, token, flags, status: answer.status, counters: h, reason: 'no token' });
        if (h.status !== 'ready') throw new CliError(`the daemon at ${base} is ${h.status}`);
        return;
      }
      const db = h.db_path ? fileSize(h.db_path) : null;
      const wal = h.db_path ? fileSize(`${h.db_path}-wal`) : null;
      // The daemon reports the backup it took; an older daemon's backups are found on disk.
      const lastBackup = h.last_backup ?? (h.backup_dir ? backupOnDisk(join(h.backup_dir, BACKUP_FILE)) : null);
      if (flags.json) {
        printJson({ up: true, url: base, pid, authorized: true, ...h, db_size_bytes: db, wal_size_bytes: wal, last_backup: lastBackup });
      } else {
        const lines = [
          `spl daemon is up (${h.status})`,
          `  url        ${base}`,
          `  pid        ${pid ?? 'unknown (no PID file names this daemon)'}`,
          `  bind       ${h.bind ?? 'unknown'}`,
          `  version    ${h.version}`,
          `  instance   ${h.instance_did ?? 'unknown'}`,
          `  auth       ${h.auth_required ? 'required' : 'OFF (--insecure-localhost)'}`,
          `  records    ${h.record_count} (${h.ingested_total} ingested since start)`,
          `  uptime     ${formatUptime(h.uptime_secs)}`,
          ...(h.db_path || !h.store
            ? [
                `  database   ${h.db_path ?? 'unknown'}${db === null ? '' : ` (${formatBytes(db)}${wal ? ` + ${formatBytes(wal)} WAL` : ''})`}`,
                `  backups    ${h.backup_dir ?? 'unknown'} (last backup: ${lastBackup?.at ?? 'never'})`,
              ]
            : [
                `  database   ${h.store} (PostgreSQL, shared by every daemon on it)`,
                `  leader     ${h.leader ? 'yes: this daemon runs RECONCILE, TICK and CRON' : 'no: another daemon on this log runs the loops'}`,
                `  backups    ${POSTGRES_BACKUP_HINT}`,
              ]),
        ];
        if (h.backup_warning) lines.push(`  WARNING    ${h.backup_warning}`);
        if (typeof h.draining === 'boolean') lines.push(`  draining   ${h.draining ? 'yes' : 'no'}${typeof h.in_flight === 'number' ? ` (${h.in_flight} in flight)` : ''}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      // Up but not ready (starting or stopping) is not a healthy status for scripts.
      if (h.status !== 'ready') throw new CliError(`the daemon at ${base} is ${h.status}`);
    },
  );
}

/** 93784 → "1d 2h 3m 4s". */
export function formatUptime(secs: number): string {
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  return [d ? `${d}d` : '', d || h ? `${h}h` : '', d || h || m ? `${m}m` : '', `${s}s`].filter(Boolean).join(' ');
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * The pid of the daemon answering at `base`: the PID file's, when it names a live daemon of this
 * home on that port; else, for a loopback URL, whoever holds the port if it is this home's spl.
 */
function daemonPid(base: string, pidFile: PidFileState, home: string): number | null {
  const url = new URL(base);
  const port = Number(url.port || 80);
  if (pidFile.state === 'running' && pidFile.record.port === port) return pidFile.record.pid;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return null;
  const holder = listeningPid(port);
  return holder !== undefined && isSplServeOf(holder, home).ours ? holder : null;
}

/** What the anonymous status is built from. */
interface AnonymousStatus {
  readonly base: string;
  readonly pid: number | null;
  readonly pidFile: PidFileState;
  readonly token: string | undefined;
  readonly flags: ClientFlags;
  /** The status code of GET /v1/engine/health. */
  readonly status: number;
  /** The probe's counters, when it answered them (no token sent); undefined after a 401. */
  readonly counters: Pick<Health, 'status' | 'record_count' | 'uptime_secs'> | undefined;
  readonly reason: string;
}

/**
 * Prints the status an unauthenticated caller can have: pid, address, liveness (GET /health),
 * readiness (the probe's status code and state), the record count when the probe gave it, uptime
 * (the daemon's, else from run/spl.json's started_at), and one line on how to authenticate.
 */
async function printAnonymous(a: AnonymousStatus): Promise<void> {
  const live = await answersLive(a.base);
  const info = a.pidFile.state === 'running' && a.pidFile.record.pid === a.pid ? a.pidFile.record : undefined;
  const startedAt = info?.started_at ? Date.parse(info.started_at) : NaN;
  const uptime = a.counters?.uptime_secs ?? (Number.isNaN(startedAt) ? null : Math.max(0, Math.floor((Date.now() - startedAt) / 1000)));
  // A 401 comes only after the start (a starting daemon answers 503 without checking tokens).
  const state = a.counters?.status ?? 'ready';
  const how = a.token
    ? 'the token was refused (expired or revoked?): save a valid one with spl token save <bearer>, or set SPL_TOKEN'
    : 'authenticate for the full status: spl token save <bearer>, or set SPL_TOKEN (or pass --token)';
  const facts = {
    up: true,
    url: a.base,
    pid: a.pid,
    authorized: false,
    status: state,
    live,
    ready: state === 'ready',
    engine_health_status: a.status,
    bind: info?.url ? new URL(info.url).host : null,
    version: info?.version || null,
    started_at: info?.started_at || null,
    uptime_secs: uptime,
    record_count: a.counters?.record_count ?? null,
    reason: a.reason,
    auth_hint: how,
  };
  if (a.flags.json) {
    printJson(facts);
    return;
  }
  process.stdout.write(
    [
      `spl daemon is up (${state})`,
      `  url        ${a.base}`,
      `  pid        ${a.pid ?? 'unknown (no PID file names this daemon)'}`,
      `  bind       ${facts.bind ?? 'unknown'}`,
      `  live       ${live ? 'yes (GET /health: ok)' : 'no (GET /health did not answer ok)'}`,
      `  ready      ${facts.ready ? 'yes' : 'no'} (GET /v1/engine/health: ${a.status}${a.status === 401 ? ' without a valid token' : ''})`,
      ...(facts.version ? [`  version    ${facts.version}`] : []),
      ...(facts.record_count === null ? [] : [`  records    ${facts.record_count}`]),
      `  uptime     ${uptime === null ? 'unknown (run/spl.json does not name this daemon)' : formatUptime(uptime)}`,
      `  auth       ${how}`,
      '',
    ].join('\n'),
  );
}

/** Whether GET /health answers `ok` (the liveness probe; needs no token). */
async function answersLive(base: string): Promise<boolean> {
  const r = await callDaemon<unknown>(base, '/health').catch(() => undefined);
  return r?.status === 200;
}

function pidFileSummary(p: PidFileState): Record<string, unknown> {
  if (p.state === 'none') return { state: 'none' };
  if (p.state === 'running') return { state: 'running', pid: p.record.pid, url: p.record.url };
  return { state: 'stale', pid: p.record?.pid ?? null, reason: p.reason };
}

function describePidFile(p: PidFileState, path: string): string {
  if (p.state === 'none') return `none (${path})`;
  if (p.state === 'running') return `pid ${p.record.pid} is running${p.record.url ? ` at ${p.record.url}` : ' (starting)'} — not at this URL`;
  return `stale: ${p.reason} (the next spl serve removes it)`;
}

function fileSize(path: string): number | null {
  return statSync(path, { throwIfNoEntry: false })?.size ?? null;
}

/** The rolling backup on disk: when it was taken (its manifest, else the file's time); null if none. */
function backupOnDisk(path: string): { at: string; path: string; record_count?: number } | null {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return null;
  const manifest = readManifest(path);
  return manifest ? { at: manifest.created_at, path, record_count: manifest.record_count } : { at: st.mtime.toISOString(), path };
}
