import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { urlForBind } from '../config-file.js';
import { daemonUrl } from '../daemon-client.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../defaults.js';
import { doctorExitCode, runDoctor, type CheckStatus } from '../doctor-checks.js';
import { printJson } from '../output.js';
import { resolvePaths } from '../paths.js';
import { resolveToken } from '../saved-token.js';

const MARK: Record<CheckStatus, string> = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/**
 * `spl doctor`: checks the home folder, identity, config, daemon and PID file, port, database
 * integrity, WAL size, token, backup freshness and clock. Exit 0 when all pass, 1 when any
 * warns, 2 when any fails.
 */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check this instance: home, identity, config, daemon, port, database, WAL, token, backups, clock (exit 0 ok, 1 warnings, 2 failures)')
    .option('--url <url>', 'daemon URL (default: $SPL_URL, config.toml, or http://127.0.0.1:9100)')
    .option('--token <bearer>', 'bearer token (default: $SPL_TOKEN or the saved ~/.syncro/token)')
    .option('--json', 'print the results as JSON')
    .action(async (flags: { url?: string; token?: string; json?: boolean }) => {
      const paths = resolvePaths();
      // A malformed config.toml is itself a finding, so fall back to the default URL rather than stop here.
      let url: string;
      try {
        url = daemonUrl(flags.url);
      } catch (e) {
        if (flags.url) throw e;
        url = urlForBind(DEFAULT_HOST, DEFAULT_PORT);
      }
      const results = await runDoctor({ paths, url, token: resolveToken(flags.token) });
      const code = doctorExitCode(results);
      const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
      if (flags.json) printJson({ exit_code: code, summary: { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip') }, checks: results });
      else {
        const width = Math.max(...results.map((r) => r.name.length));
        process.stdout.write(`${results.map((r) => `${MARK[r.status]}  ${r.name.padEnd(width)}  ${r.detail}`).join('\n')}\n`);
      }
      if (code !== 0) throw new CliError(`${count('fail')} failed, ${count('warn')} warned (of ${results.length} checks)`, code);
    });
}
