import type { Command } from 'commander';
import type { KernelHealth } from '@syncropel/kernel';
import type { DaemonInfo } from '@syncropel/http';
import { CliError } from '../cli-error.js';
import { callDaemon, daemonUrl } from '../daemon-client.js';

type Health = KernelHealth & DaemonInfo;

/** `spl status`: whether the daemon is up, where, how many records, how long. Exit 1 when down. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show whether the daemon is up, its address, record count and uptime (exit 1 when down)')
    .option('--url <url>', 'daemon URL (default: $SPL_URL or http://127.0.0.1:9100)')
    .option('--json', 'print the status as JSON')
    .action(async (flags: { url?: string; json?: boolean }) => {
      const base = daemonUrl(flags.url);
      let answer;
      try {
        answer = await callDaemon<Health>(base, '/v1/engine/health');
      } catch (e) {
        if (flags.json) process.stdout.write(`${JSON.stringify({ up: false, url: base, reason: (e as Error).message })}\n`);
        throw e;
      }
      const h = answer.body;
      if (typeof h !== 'object' || h === null || typeof h.status !== 'string') {
        throw new CliError(`${base} answered ${answer.status} but not like a Syncropel daemon`);
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ up: true, url: base, ...h })}\n`);
      } else {
        process.stdout.write(
          [
            `spl daemon is up (${h.status})`,
            `  url        ${base}`,
            `  bind       ${h.bind ?? 'unknown'}`,
            `  version    ${h.version}`,
            `  instance   ${h.instance_did ?? 'unknown'}`,
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
    });
}

/** 93784 → "1d 2h 3m 4s". */
export function formatUptime(secs: number): string {
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  return [d ? `${d}d` : '', d || h ? `${h}h` : '', d || h || m ? `${m}m` : '', `${s}s`].filter(Boolean).join(' ');
}
