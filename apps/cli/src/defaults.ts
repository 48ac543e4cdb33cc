/** Address the daemon binds by default: loopback only. */
export const DEFAULT_HOST = '127.0.0.1';

/** The daemon's HTTP port. */
export const DEFAULT_PORT = 9100;

/** How long a stopping daemon lets in-flight requests finish before cutting connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** How long a client command waits for the daemon to answer. */
export const CLIENT_TIMEOUT_MS = 5_000;

/** Hosts that only this machine can reach. */
export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** How long `spl serve --daemon` waits for the detached daemon to answer `/health`. */
export const START_TIMEOUT_MS = 20_000;

/** How long `spl serve --stop` waits for the daemon to exit (longer than the shutdown grace). */
export const STOP_TIMEOUT_MS = 30_000;

/** Mode of the PID file: readable by anyone (it holds no secret), writable by the owner. */
export const PID_FILE_MODE = 0o644;

/** `logs/spl.log` is moved aside to `spl.log.1` at start once it grows past this size. */
export const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

/** `spl doctor` warns when the WAL beside hub.db is larger than this (the checkpointer keeps it small). */
export const WAL_WARN_BYTES = 64 * 1024 * 1024;

/** `spl doctor` warns when the newest backup is older than this. */
export const BACKUP_STALE_MS = 48 * 60 * 60 * 1000;

/** `spl doctor` warns when a file the daemon wrote is dated further than this into the future. */
export const CLOCK_SKEW_TOLERANCE_MS = 5 * 60 * 1000;

/** Earliest plausible wall-clock time (2025-01-01T00:00:00Z): a clock before it is certainly wrong. */
export const CLOCK_FLOOR_MS = Date.UTC(2025, 0, 1);

/** The fold snapshot beside the log (`hub.db.folds`): live state as of a log position, so a start folds only the tail. */
export const FOLD_SNAPSHOT_SUFFIX = '.folds';
