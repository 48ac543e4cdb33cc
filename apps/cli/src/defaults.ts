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
