import { spawn } from 'node:child_process';
import type { JsonValue } from '@syncropel/algebra';
import { MAX_ADAPTER_OUTPUT_BYTES, type Adapter, type AdapterOutcome } from './adapter.js';

/**
 * Runs a shell command per record: the record as JSON on stdin, a JSON result on stdout, exit 0
 * for success. The command runs in its own process group so a timeout kills everything it started.
 */
export function execAdapter(command: string): Adapter {
  return {
    run(record, signal) {
      return new Promise<AdapterOutcome>((resolve) => {
        // A small, explicit environment: the daemon's own (bootstrap secret, tokens) never leaks to adapters.
        const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: adapterEnv() });
        const chunks: Buffer[] = [];
        let bytes = 0;
        let stderr = '';
        let overflow = false;
        let settled = false;
        const finish = (outcome: AdapterOutcome) => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        };
        const killGroup = () => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        };
        const onAbort = () => {
          killGroup();
          finish({ ok: false, error: `timed out (${String(signal.reason ?? 'aborted')})` });
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        child.stdout.on('data', (chunk: Buffer) => {
          if (overflow) return;
          bytes += chunk.length;
          if (bytes > MAX_ADAPTER_OUTPUT_BYTES) {
            overflow = true;
            killGroup();
          } else chunks.push(chunk);
        });
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          if (stderr.length < 2000) stderr += chunk;
        });
        child.stdin.on('error', () => undefined); // a command that ignores stdin may close it early
        child.on('error', (e) => finish({ ok: false, error: `could not start: ${e.message}` }));
        child.on('close', (code, sig) => {
          if (overflow) return finish({ ok: false, error: `output larger than ${MAX_ADAPTER_OUTPUT_BYTES} bytes` });
          const tail = stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
          if (code !== 0) return finish({ ok: false, error: `exited with ${code ?? sig}${tail ? `: ${tail}` : ''}` });
          const stdout = Buffer.concat(chunks).toString('utf8');
          let output: JsonValue;
          try {
            output = JSON.parse(stdout) as JsonValue;
          } catch {
            return finish({ ok: false, error: `stdout is not JSON: ${JSON.stringify(stdout.slice(0, 200))}` });
          }
          finish({ ok: true, output });
        });
        child.stdin.end(JSON.stringify(record));
      });
    },
  };
}

/** Variables an adapter command may see: enough to find programs and format text, nothing secret. */
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

function adapterEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}
