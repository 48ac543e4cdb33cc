import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built `spl` binary; end-to-end tests run it exactly as an operator would. */
export const SPL_BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

if (!existsSync(SPL_BIN)) throw new Error(`${SPL_BIN} is missing: run the README's set-up command (npm run setup) first`);

/** A temp HOME with SYNCROPEL_HOME and XDG_DATA_HOME inside it, and the environment that points there. */
export interface TempHome {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The Path A admin bearer (`spl_prod_sa-bootstrap-env_<secret>`) minted from the env's SPL_BOOTSTRAP_TOKEN. */
  readonly bearer: string;
  remove(): void;
}

/**
 * Creates a throwaway home; nothing a test does touches the real ~/.syncro. The environment
 * carries SPL_BOOTSTRAP_TOKEN (Path A) so a daemon started with it has an admin from the start.
 */
export function tempHome(): TempHome {
  const dir = mkdtempSync(join(tmpdir(), 'spl-e2e-'));
  const secret = randomBytes(24).toString('base64url');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    SYNCROPEL_HOME: join(dir, '.syncro'),
    XDG_DATA_HOME: join(dir, '.local', 'share'),
    SPL_BOOTSTRAP_TOKEN: secret,
  };
  return { dir, env, bearer: `spl_prod_sa-bootstrap-env_${secret}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `spl args…` to completion. */
export function spl(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [SPL_BIN, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A running `spl serve --foreground` child. */
export interface ServeProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  output(): string;
  /** Sends a signal and waits for the exit; resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `spl serve --foreground --port 0 …` and resolves once the banner names the bound address. */
export function serve(env: NodeJS.ProcessEnv, extra: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [SPL_BIN, 'serve', '--foreground', '--port', '0', ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`spl serve did not start in time:\n${out}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening {2}(http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1] as string,
          pid: child.pid as number,
          child,
          output: () => out,
          async stop(signal = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, signal);
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`spl serve exited (${code}) before it was ready:\n${out}`));
    });
  });
}
