/**
 * The throwaway PostgreSQL server the store tests use: it starts, its pid is the postmaster's own,
 * databases can be created and reached, and stop() ends the server by pid and removes its files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { findPostgresBindir, startPostgresCluster } from './postgres-cluster.mjs';

it('finds the server binaries (a missing PostgreSQL fails, never skips)', () => {
  const bindir = findPostgresBindir();
  expect(bindir, 'PostgreSQL is not installed; .ci/run installs it').toBeDefined();
  expect(existsSync(join(bindir!, 'initdb'))).toBe(true);
});

it('starts a server whose pid is the postmaster, creates databases, and stops by pid', async () => {
  const started = Date.now();
  const cluster = await startPostgresCluster();
  const startMs = Date.now() - started;
  try {
    // The pid is the server itself: the one postmaster.pid names, running the postgres binary.
    expect(readFileSync(`/proc/${cluster.pid}/cmdline`, 'utf8').split('\0')[0]).toMatch(/postgres$/);
    const url = await cluster.createDatabase();
    expect(url).toMatch(/^postgres:\/\/spl@127\.0\.0\.1:\d+\/db_1_[a-z0-9]+$/);
    const again = await cluster.createDatabase('named_db');
    expect(again.endsWith('/named_db')).toBe(true);
    const psql = spawnSync(join(cluster.bindir, 'psql'), ['-X', '-At', '-d', url, '-c', 'SELECT current_user'], { encoding: 'utf8' });
    expect(psql.stdout.trim()).toBe('spl');
    await expect(cluster.createDatabase('named_db')).rejects.toThrow(/already exists/);
  } finally {
    await cluster.stop();
  }
  expect(existsSync(`/proc/${cluster.pid}`)).toBe(false);
  await cluster.stop();
  console.log(`postgres cluster start: ${startMs} ms`);
});
