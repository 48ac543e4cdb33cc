import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished } from 'vitest';

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
  /** Resolves once the startup backup (taken in the background after ready) has ended, kept or not. */
  startupBackup(): Promise<void>;
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
          async startupBackup() {
            const deadline = Date.now() + 20_000;
            while (!/startup backup|BACKUP KEPT/.test(out)) {
              if (Date.now() > deadline) throw new Error(`the startup backup did not end in time:\n${out}`);
              await new Promise((r) => setTimeout(r, 25));
            }
          },
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

/** A free loopback port (bound and released; the tiny race is acceptable in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Runs a bash script the way an operator types it: `spl` on PATH (a symlink to the built
 * binary), HOME and friends in the temp home, `set -euo pipefail`.
 */
export function operator(h: TempHome, script: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const bin = join(h.dir, 'bin');
  if (!existsSync(join(bin, 'spl'))) {
    mkdirSync(bin, { recursive: true });
    symlinkSync(SPL_BIN, join(bin, 'spl'));
  }
  const env = { ...h.env, ...extraEnv, PATH: `${bin}:${h.env.PATH ?? ''}` };
  const r = spawnSync('bash', ['-c', `set -euo pipefail\n${script}`], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Kills, by pid, every daemon a script recorded in `$HOME/*.pid`, and waits until each is gone. */
export async function killRecorded(h: TempHome, names: string[]): Promise<void> {
  for (const name of names) {
    const file = join(h.dir, `${name}.pid`);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8').trim());
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      continue; // already gone
    }
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Whether a pid is alive (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

/** Waits (bounded) until `pid` is gone; resolves false if it is still alive after `ms`. */
export async function waitGone(pid: number, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** SIGKILLs `pid` if it is still alive and waits until it is gone (test clean-up). */
export async function killPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitGone(pid);
}

/** A daemon started with `spl serve --daemon --json`. */
export interface DetachedDaemon {
  readonly pid: number;
  readonly url: string;
  readonly log: string;
  readonly pid_file: string;
}

/**
 * Runs `spl serve --daemon --port 0 --json …` and returns what it printed; the caller must stop
 * the daemon (by pid) in its clean-up. Throws with stderr when the start failed.
 */
export function daemonize(env: NodeJS.ProcessEnv, extra: string[] = ['--port', '0']): DetachedDaemon & { stderr: string } {
  const r = spl(['serve', '--daemon', '--json', ...extra], env);
  if (r.code !== 0) throw new Error(`spl serve --daemon failed (${r.code}): ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as DetachedDaemon), stderr: r.stderr };
}

/** `spl … --json` that must succeed silently; returns the parsed output. */
export function jsonRunner(env: NodeJS.ProcessEnv): (...args: string[]) => any {
  return (...args: string[]) => {
    const r = spl([...args, '--json'], env);
    expect(r.stderr, args.join(' ')).toBe('');
    expect(r.code, args.join(' ')).toBe(0);
    return JSON.parse(r.stdout);
  };
}

/** Polls `check` every 50 ms until it holds; fails naming `what` after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The DID the Path A admin writes as: a token writes as its own account unless an admin lists more. */
export const ADMIN_DID = 'did:sync:sa:sa-bootstrap-env';

/** The secret part of a bearer `spl_<env>_<sa>_<secret>` (which may itself contain `_`). */
export function secretOf(bearer: string): string {
  const m = /^spl_[a-z0-9]+_[a-z0-9-]+_([\s\S]+)$/.exec(bearer);
  if (!m) throw new Error('not a bearer');
  return m[1] as string;
}

/** A fresh home with a running daemon and CLI runners authenticated as its bootstrap admin. */
export interface AdminSession {
  readonly home: TempHome;
  /** The newest daemon started for this session. */
  daemon: ServeProcess;
  /** The environment a CLI call needs: home, daemon URL, admin token. */
  readonly env: NodeJS.ProcessEnv;
  run(...args: string[]): ReturnType<typeof spl>;
  json(...args: string[]): any;
  /** Starts another daemon on the same home (after the previous one stopped). */
  serveAgain(): Promise<ServeProcess>;
}

/**
 * Starts a session for the current test; every daemon it starts is killed by pid and the home
 * removed when the test finishes, whatever its outcome.
 */
export async function adminSession(): Promise<AdminSession> {
  const home = tempHome();
  const daemons: ServeProcess[] = [];
  onTestFinished(async () => {
    for (const d of daemons) await d.stop('SIGKILL');
    home.remove();
  });
  const first = await serve(home.env);
  daemons.push(first);
  const env: NodeJS.ProcessEnv = { ...home.env, SPL_URL: first.url, SPL_TOKEN: home.bearer };
  const session: AdminSession = {
    home,
    daemon: first,
    env,
    run: (...args) => spl(args, env),
    json: (...args) => jsonRunner(env)(...args),
    async serveAgain() {
      const next = await serve(home.env);
      daemons.push(next);
      session.daemon = next;
      env.SPL_URL = next.url;
      return next;
    },
  };
  return session;
}
