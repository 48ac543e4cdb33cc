import { STOP_TIMEOUT_MS } from './defaults.js';
import { LOG_FORMAT_ENV } from './detach.js';
import type { SplPaths } from './paths.js';

/** The service managers `spl service install` writes for. */
export type ServiceKind = 'systemd-user' | 'launchd';

/** The systemd user unit's name. */
export const SYSTEMD_UNIT_NAME = 'syncropel.service';

/** The launchd agent's label. */
export const LAUNCHD_LABEL = 'com.syncropel.spl';

/** Variables a unit may carry: where the instance lives. Secrets (SPL_BOOTSTRAP_TOKEN, SPL_TOKEN) never. */
const PINNED_ENV = ['SYNCROPEL_HOME', 'XDG_DATA_HOME'] as const;

/** What to run and with which environment; built from the installing process. */
export interface ServiceSpec {
  /** Absolute path of the Node binary. */
  readonly node: string;
  /** Absolute path of the spl entry script (dist/main.js). */
  readonly script: string;
  readonly paths: SplPaths;
  /** Pinned variables (only those in {@link PINNED_ENV} are ever written). */
  readonly env: Readonly<Record<string, string>>;
}

/** The service manager that fits this OS: launchd on macOS, a systemd user unit elsewhere. */
export function defaultServiceKind(platform: NodeJS.Platform = process.platform): ServiceKind {
  return platform === 'darwin' ? 'launchd' : 'systemd-user';
}

/** Picks the variables a unit pins so the service finds the same home as the installer. */
export function pinnedEnv(paths: SplPaths, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = { SYNCROPEL_HOME: paths.home };
  for (const key of PINNED_ENV) if (key !== 'SYNCROPEL_HOME' && env[key]) out[key] = env[key] as string;
  return out;
}

/**
 * A systemd user unit running `spl serve --foreground`, restarted on failure (a clean
 * `spl serve --stop` exits 0 and stays stopped). Stop timeout exceeds the daemon's own grace.
 */
export function systemdUnit(spec: ServiceSpec): string {
  const env = Object.entries(spec.env)
    .filter(([k]) => (PINNED_ENV as readonly string[]).includes(k))
    .map(([k, v]) => `Environment=${systemdQuote(`${k}=${v}`, false)}`);
  return [
    '# Written by `spl service install`. Remove with `spl service uninstall`.',
    '[Unit]',
    'Description=Syncropel daemon (spl serve)',
    'After=network.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[spec.node, spec.script].map((a) => systemdQuote(a, true)).join(' ')} serve --foreground`,
    ...env,
    'Restart=on-failure',
    'RestartSec=2',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${STOP_TIMEOUT_MS / 1000}`,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/** A launchd agent running `spl serve --foreground` at login, restarted unless it exited cleanly. */
export function launchdPlist(spec: ServiceSpec): string {
  const env = { ...Object.fromEntries(Object.entries(spec.env).filter(([k]) => (PINNED_ENV as readonly string[]).includes(k))), [LOG_FORMAT_ENV]: 'json' };
  const str = (s: string) => `<string>${xml(s)}</string>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `spl service install`. Remove with `spl service uninstall`. -->',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>${str(LAUNCHD_LABEL)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[spec.node, spec.script, 'serve', '--foreground'].map((a) => `    ${str(a)}`),
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...Object.entries(env).map(([k, v]) => `    <key>${xml(k)}</key>${str(v)}`),
    '  </dict>',
    `  <key>WorkingDirectory</key>${str(spec.paths.home)}`,
    '  <key>RunAtLoad</key><true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key><false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key><integer>5</integer>',
    `  <key>ExitTimeOut</key><integer>${STOP_TIMEOUT_MS / 1000}</integer>`,
    // JSON lines on stderr, into the same log `spl serve --daemon` writes.
    `  <key>StandardOutPath</key>${str(spec.paths.logFile)}`,
    `  <key>StandardErrorPath</key>${str(spec.paths.logFile)}`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** The one command that enables and starts the installed service. */
export function enableCommand(kind: ServiceKind, file: string): string {
  return kind === 'systemd-user'
    ? `systemctl --user daemon-reload && systemctl --user enable --now ${SYSTEMD_UNIT_NAME}`
    : `launchctl bootstrap gui/$(id -u) ${shellQuote(file)}`;
}

/** The one command that stops the service once its file is removed. */
export function disableCommand(kind: ServiceKind): string {
  return kind === 'systemd-user' ? `systemctl --user stop ${SYSTEMD_UNIT_NAME}; systemctl --user daemon-reload` : `launchctl bootout gui/$(id -u)/${LAUNCHD_LABEL}`;
}

/**
 * Quotes one systemd word: backslash and double quote escaped, `%` doubled (specifiers), and in
 * command lines `$` doubled (variable expansion).
 */
function systemdQuote(s: string, commandLine: boolean): string {
  let q = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  if (commandLine) q = q.replace(/\$/g, '$$$$');
  return `"${q}"`;
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
