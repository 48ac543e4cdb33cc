import type { Command } from 'commander';
import type { KernelHealth } from '@syncropel/kernel';
import type { DaemonInfo } from '@syncropel/http';
import { CliError } from '../cli-error.js';
import { callDaemon, daemonUrl, type ClientFlags } from '../daemon-client.js';
import { clientOptions, printJson } from '../output.js';
import { resolveToken } from '../saved-token.js';

type Health = KernelHealth & DaemonInfo;

/** `spl status`: whether the daemon is up, where, how many records, how long. Exit 1 when down. */
export function registerStatus(program: Command): void {
  clientOptions(program.command('status').description('show whether the daemon is up, its address, record count and uptime (exit 1 when down)')).action(
    async (flags: ClientFlags) => {
      const base = daemonUrl(flags.url);
      const token = resolveToken(flags.token);
      let answer;
      try {
        answer = await callDaemon<Health | { error?: { code: string; message: string } }>(base, '/v1/engine/health', {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      } catch (e) {
        if (flags.json) printJson({ up: false, url: base, reason: (e as Error).message });
        throw e;
      }
      if (answer.status === 401 || answer.status === 403) {
        const error = (answer.body as { error?: { code: string; message: string } }).error;
        const reason = `${error?.code ?? answer.status}: ${error?.message ?? 'refused'}`;
        if (flags.json) printJson({ up: true, url: base, authorized: false, reason });
        else process.stdout.write(`spl daemon is up at ${base}, but it refused the status request (${reason})\n`);
        throw new CliError(token ? 'the token was refused; save a valid one: spl token save <bearer>' : 'no token: use --token, SPL_TOKEN or spl token save <bearer>');
      }
      const h = answer.body as Health;
      if (typeof h !== 'object' || h === null || typeof h.status !== 'string') {
        throw new CliError(`${base} answered ${answer.status} but not like a Syncropel daemon`);
      }
      if (flags.json) {
        printJson({ up: true, url: base, authorized: true, ...h });
      } else {
        process.stdout.write(
          [
            `spl daemon is up (${h.status})`,
            `  url        ${base}`,
            `  bind       ${h.bind ?? 'unknown'}`,
            `  version    ${h.version}`,
            `  instance   ${h.instance_did ?? 'unknown'}`,
            `  auth       ${h.auth_required ? 'required' : 'OFF (--insecure-localhost)'}`,
            `  records    ${h.record_count} (${h.ingested_total} ingested since start)`,
            `  uptime     ${formatUptime(h.uptime_secs)}`,
            `  database   ${h.db_path ?? 'unknown'}`,
            `  backups    ${h.backup_dir ?? 'unknown'}`,
            '',
          ].join('\n'),
        );
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
