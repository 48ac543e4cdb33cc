/**
 * A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a fresh temp dir,
 * `postgres` on a free loopback port, one database per store, and `stop()` by pid. The code is
 * `postgres-cluster.mjs` (plain JavaScript, so the `bench/` scripts can import it too); these are
 * its types.
 *
 * @example
 * const cluster = await startPostgresCluster();
 * const url = await cluster.createDatabase(); // postgres://spl@127.0.0.1:PORT/db_1_ab12cd
 * await cluster.stop();
 */

/** A running throwaway server. */
export interface PostgresCluster {
  /** URL of the `postgres` maintenance database (user `spl`, no password: trust auth on loopback). */
  readonly url: string;
  /** The postmaster's own pid (not a wrapper's), so a stop by pid reaches the server. */
  readonly pid: number;
  /** Where `initdb` and `postgres` were found. */
  readonly bindir: string;
  /** Creates a fresh, empty database and resolves with its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Fast shutdown (SIGINT) by pid, SIGKILL after a timeout, then removes the data dir. Idempotent. */
  stop(): Promise<void>;
}

/** The user the server runs as; trust auth, so URLs carry no password. */
export declare const CLUSTER_USER: 'spl';

/**
 * Finds the directory holding `initdb` and `postgres`: PATH, then `pg_config --bindir`, then the
 * newest `/usr/lib/postgresql/<version>/bin`. `.ci/run` searches in the same order.
 */
export declare function findPostgresBindir(): string | undefined;

/**
 * Starts a fresh server and resolves once it accepts connections. Fails (never skips) with a clear
 * message when no PostgreSQL is installed. As root, the server runs as `postgres` (or `nobody`),
 * since initdb and postgres refuse to run as root.
 */
export declare function startPostgresCluster(): Promise<PostgresCluster>;
