import type { Command } from 'commander';
import type { EnvBootstrapOutcome } from '@syncropel/auth';
import { DEFAULT_DURABILITY, type Durability } from '@syncropel/log-sqlite';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { loadConfig, urlForBind } from '../config-file.js';
import { CONSOLE_PATH, consoleDirectory } from '../console-assets.js';
import { DEFAULT_STORE, POSTGRES_BACKUP_HINT, STORE_ENV, configuredStore, type StoreSetting } from '../daemon-store.js';
import { daemonUrl } from '../daemon-client.js';
import { runDaemon, type Daemon } from '../daemon-process.js';
import { DEFAULT_LOG_LEVEL, LOG_LEVELS, LOG_LEVEL_ENV, fileLog, jsonLog, parseLogLevel, terminalLog, type DaemonLog, type LogLevel } from '../daemon-log.js';
import { DEFAULT_HOST, DEFAULT_PORT, LOG_ROTATE_BYTES, LOOPBACK_HOSTS, START_TIMEOUT_MS, STOP_TIMEOUT_MS } from '../defaults.js';
import { DETACHED_LOG_FORMAT, LOG_FORMAT_ENV, startDetached } from '../detach.js';
import { resolvePaths } from '../paths.js';
import { resolveToken } from '../saved-token.js';
import { stopDaemon } from '../stop-daemon.js';
import { VERSION } from '../version.js';

interface ServeFlags {
  foreground?: boolean;
  daemon?: boolean;
  stop?: boolean;
  insecureLocalhost?: boolean;
  host?: string;
  port?: string;
  durability?: string;
  store?: string;
  timeout?: string;
  json?: boolean;
  logLevel?: string;
}

/** Where and how to serve, after flags, `config.toml` and defaults (in that order). */
interface ServeSettings {
  readonly host: string;
  readonly port: number;
  readonly durability: Durability;
  readonly store: StoreSetting;
  readonly insecureLocalhost: boolean;
  /** Said once the daemon starts, e.g. that --insecure-localhost overrode the configured host. */
  readonly notes: readonly string[];
}

/**
 * `spl serve`: runs the daemon in this terminal (`--foreground`, the default), detached
 * (`--daemon`: returns once it is ready), or stops this home's daemon (`--stop`).
 */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the daemon (the record log and its HTTP API) in this terminal, detached with --daemon, or stop it with --stop')
    .option('--foreground', 'run in this terminal until Ctrl-C / SIGTERM (the default)')
    .option('--daemon', 'detach into the background; returns once the daemon is ready (log: ~/.syncro/logs/spl.log)')
    .option('--stop', "stop this home's daemon: SIGTERM, then wait for it to finish in-flight requests and exit")
    .option('--insecure-localhost', 'turn auth off and bind 127.0.0.1 only, to mint the first service account (laptop use)')
    .option('--host <host>', `address to bind (default: [server] host in config.toml, else ${DEFAULT_HOST})`)
    .option('--port <port>', `port to bind, 0 picks a free one (default: [server] port in config.toml, else ${DEFAULT_PORT})`)
    .option('--durability <level>', `full: survive power loss (fsync per commit group); normal: survive a killed process (default: config.toml, else ${DEFAULT_DURABILITY})`)
    .option('--store <store>', `the log: sqlite (hub.db in the home) or postgres://user@host:5432/db, one log several daemons share (default: ${STORE_ENV}, else [server] store in config.toml, else ${DEFAULT_STORE}); keep a password in ~/.pgpass or PGPASSWORD, not the URL`)
    .option('--timeout <secs>', `--daemon: how long to wait for /health (default ${START_TIMEOUT_MS / 1000}); --stop: how long to wait for the exit (default ${STOP_TIMEOUT_MS / 1000})`)
    .option('--log-level <level>', `least severe log lines written: ${LOG_LEVELS.join(', ')} (default: ${LOG_LEVEL_ENV}, else ${DEFAULT_LOG_LEVEL}); the access log is at info`)
    .option('--json', '--daemon / --stop: print the result as JSON')
    .action(async (flags: ServeFlags) => {
      const modes = [flags.foreground && '--foreground', flags.daemon && '--daemon', flags.stop && '--stop'].filter(Boolean);
      if (modes.length > 1) throw new CliError(`choose one of ${modes.join(', ')}`, EXIT_USAGE);
      const timeoutMs = parseTimeout(flags.timeout);
      const level = logLevelOf(flags.logLevel);
      const paths = resolvePaths();
      const settings = resolveSettings(flags, paths.config);
      const note = (line: string) => process.stderr.write(`spl: ${line}\n`);

      if (flags.stop) {
        // Without a PID file the daemon is looked for where a client would look (unless --host/--port say).
        const explicit = flags.host !== undefined || flags.port !== undefined;
        const url = explicit ? urlForBind(settings.host, settings.port) : settings.port === 0 && !process.env.SPL_URL ? undefined : daemonUrl(undefined);
        const outcome = await stopDaemon(paths, url, resolveToken(undefined), timeoutMs ?? STOP_TIMEOUT_MS, note);
        if (flags.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
        else if (outcome.kind === 'not-running') process.stdout.write(`spl daemon is not running (no PID file in ${paths.runDir}${outcome.url ? `; nothing answers at ${outcome.url}` : ''})\n`);
        else process.stdout.write(`stopped spl daemon (pid ${outcome.pid})${outcome.clean ? '' : '; it exited without removing its PID file, so it was removed'}\n`);
        return;
      }

      if (flags.daemon) {
        for (const line of settings.notes) note(line);
        const args = ['--host', settings.host, '--port', String(settings.port), '--durability', settings.durability, '--log-level', level];
        if (settings.insecureLocalhost) args.push('--insecure-localhost');
        // Through the environment, not the command line: a URL may hold a password, and any user can read argv.
        process.env[STORE_ENV] = settings.store;
        const started = await startDetached(paths, args, timeoutMs ?? START_TIMEOUT_MS, note);
        if (flags.json) process.stdout.write(`${JSON.stringify({ pid: started.pid, url: started.url, log: started.logFile, pid_file: paths.pidFile })}\n`);
        else {
          const consoleLine = consoleDirectory() ? `  console   ${started.url}${CONSOLE_PATH}\n` : '';
          process.stdout.write(`spl daemon started (pid ${started.pid}), listening on ${started.url}\n${consoleLine}  log       ${started.logFile}\n  pid file  ${paths.pidFile}\n  stop it   spl serve --stop\n`);
        }
        return;
      }

      // Foreground (also what a --daemon parent runs: then JSON lines into logs/spl.log, rotated
      // by size while it runs). In the foreground: human lines on a terminal, JSON lines otherwise
      // (SPL_LOG_FORMAT=json|pretty chooses).
      const secrets = [process.env.SPL_BOOTSTRAP_TOKEN];
      const detached = process.env[LOG_FORMAT_ENV] === DETACHED_LOG_FORMAT;
      const format = process.env[LOG_FORMAT_ENV];
      const pretty = !detached && (format === 'pretty' || (format !== 'json' && process.stderr.isTTY === true));
      const toStderr = (line: string) => void process.stderr.write(line);
      const log = detached ? fileLog(paths.logFile, LOG_ROTATE_BYTES, secrets, level) : pretty ? terminalLog(toStderr, secrets, level) : jsonLog(toStderr, secrets, level);
      if (!pretty) process.on('warning', (w) => log.warn(`node: ${w.name}: ${w.message}`));
      const options = {
        paths,
        host: settings.host,
        port: settings.port,
        durability: settings.durability,
        store: settings.store,
        insecureLocalhost: settings.insecureLocalhost,
        bootstrapSecret: process.env.SPL_BOOTSTRAP_TOKEN,
        log,
      };
      // Read once; nothing this process starts later (adapters, children) should inherit them.
      delete process.env.SPL_BOOTSTRAP_TOKEN;
      delete process.env[STORE_ENV];
      try {
        await runDaemon(options, (daemon) => {
          for (const line of settings.notes) log.warn(line);
          reportBootstrap(daemon.bootstrap, log);
          reportLegacyTokens(daemon, log);
          if (!LOOPBACK_HOSTS.has(settings.host)) log.warn(`listening beyond loopback on ${settings.host}: every route but /health needs a bearer token; set a CORS allowlist before browsers use it`);
          if (detached) logStarted(daemon, settings, log);
          else printBanner(daemon, settings, paths.db);
        });
      } catch (e) {
        if (!detached) throw e;
        // Detached: the reason goes to the log as JSON, where `--daemon` reads it back.
        log.error((e as Error).message);
        process.exitCode = 1;
      }
    });
}

/** Flags, then config.toml, then defaults; usage errors name the flag. */
function resolveSettings(flags: ServeFlags, configPath: string): ServeSettings {
  const { server } = loadConfig(configPath);
  const notes: string[] = [];
  let port = server.port ?? DEFAULT_PORT;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port > 65535) throw new CliError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(flags.port)}`, EXIT_USAGE);
  }
  const durability = flags.durability ?? server.durability ?? DEFAULT_DURABILITY;
  if (durability !== 'full' && durability !== 'normal') throw new CliError(`--durability must be full or normal, got ${JSON.stringify(durability)}`, EXIT_USAGE);
  let host = flags.host ?? server.host ?? DEFAULT_HOST;
  if (flags.insecureLocalhost) {
    // With auth off, anyone who can reach the port owns the instance: only loopback is acceptable.
    if (flags.host !== undefined && flags.host !== DEFAULT_HOST) throw new CliError(`--insecure-localhost binds ${DEFAULT_HOST} only; refusing --host ${flags.host}`, EXIT_USAGE);
    if (host !== DEFAULT_HOST) notes.push(`--insecure-localhost binds ${DEFAULT_HOST} only; ignoring host = "${host}" from ${configPath}`);
    host = DEFAULT_HOST;
  }
  const store = configuredStore(configPath, flags.store);
  return { host, port, durability, store, insecureLocalhost: flags.insecureLocalhost === true, notes };
}

/** `--log-level`, else SPL_LOG_LEVEL, else the default; a level that is none of them is a usage error. */
function logLevelOf(flag: string | undefined): LogLevel {
  const raw = flag ?? process.env[LOG_LEVEL_ENV];
  if (raw === undefined || raw === '') return DEFAULT_LOG_LEVEL;
  const level = parseLogLevel(raw);
  if (!level) throw new CliError(`${flag !== undefined ? '--log-level' : LOG_LEVEL_ENV} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`, EXIT_USAGE);
  return level;
}

function parseTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const secs = Number(raw);
  if (!Number.isFinite(secs) || secs <= 0) throw new CliError(`--timeout must be a positive number of seconds, got ${JSON.stringify(raw)}`, EXIT_USAGE);
  return secs * 1000;
}

/** Tells the operator what SPL_BOOTSTRAP_TOKEN did, never echoing its value. */
function reportBootstrap(outcome: EnvBootstrapOutcome, log: DaemonLog): void {
  if (outcome.kind === 'minted') log.info(`SPL_BOOTSTRAP_TOKEN: minted service account ${outcome.sa_id} (admin), token ${outcome.token_id}; bearer is spl_prod_${outcome.sa_id}_<your secret>`);
  else if (outcome.kind === 'skipped') log.info(`SPL_BOOTSTRAP_TOKEN: ${outcome.reason}`);
  else if (outcome.kind === 'invalid') log.warn(`${outcome.reason}; starting without it`);
  else if (outcome.kind === 'reminted') log.warn(`SPL_BOOTSTRAP_TOKEN: ${outcome.reason} (service account ${outcome.sa_id}, token ${outcome.token_id}); tokens minted under the old identity no longer work: mint new ones`);
}

/** Names tokens still stored as a bare SHA-256 (minted by an older version), which a rotation re-keys. */
function reportLegacyTokens(daemon: Daemon, log: DaemonLog): void {
  const legacy = daemon.auth.listTokens().filter((t) => !t.revoked && t.hash === 'legacy');
  if (legacy.length === 0) return;
  log.warn(`${legacy.length} active token(s) were minted before token hashes were keyed (${legacy.map((t) => t.token_id).slice(0, 5).join(', ')}${legacy.length > 5 ? ', …' : ''}); rotate them: spl token rotate <token_id>`);
}

function authLine(daemon: Daemon, insecure: boolean): string {
  if (insecure) return `OFF (--insecure-localhost); ${daemon.auth.bootstrapOpen() ? 'mint the first service account: POST /v1/bootstrap/service-account' : 'bootstrap is closed'}`;
  return `required${daemon.auth.bootstrapOpen() ? ' (no service account yet: set SPL_BOOTSTRAP_TOKEN, or restart with --insecure-localhost)' : ''}`;
}

function printBanner(daemon: Daemon, settings: ServeSettings, db: string): void {
  const health = daemon.kernel.health();
  process.stdout.write(
    [
      `Syncropel spl ${VERSION} (pid ${process.pid})`,
      `  instance   ${daemon.identity.did}`,
      `  listening  http://${daemon.server.address}`,
      ...(daemon.consoleUrl ? [`  console    ${daemon.consoleUrl} (sign in with a bearer)`] : []),
      ...(daemon.store.kind === 'sqlite'
        ? [`  database   ${db} (${health.record_count} records, durability ${settings.durability})`, `  backups    ${daemon.backupDir}`]
        : [`  database   ${daemon.store.location} (PostgreSQL, ${health.record_count} records, shared)`, `  leader     ${health.leader ? 'this daemon' : 'another daemon (this one follows)'}`, `  backups    ${POSTGRES_BACKUP_HINT}`]),
      `  auth       ${authLine(daemon, settings.insecureLocalhost)}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

function logStarted(daemon: Daemon, settings: ServeSettings, log: DaemonLog): void {
  log.info(`listening on ${daemon.url}`, {
    event: 'listening',
    version: VERSION,
    instance: daemon.identity.did,
    bind: daemon.server.address,
    url: daemon.url,
    console: daemon.consoleUrl,
    db: daemon.store.location,
    store: daemon.store.kind,
    records: daemon.kernel.health().record_count,
    leader: daemon.kernel.health().leader,
    durability: settings.durability,
    backups: daemon.store.kind === 'sqlite' ? daemon.backupDir : POSTGRES_BACKUP_HINT,
    auth: authLine(daemon, settings.insecureLocalhost),
  });
}
