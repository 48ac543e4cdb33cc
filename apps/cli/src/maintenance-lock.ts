import { readFileSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './cli-error.js';
import type { SplPaths } from './paths.js';

/** The lock offline operations hold, so a daemon cannot start under a restore, vacuum or unlock. */
export function maintenanceLockPath(paths: SplPaths): string {
  return join(paths.runDir, 'maintenance.lock');
}

/** The live holder of the maintenance lock, or undefined (a lock left by a dead process is ignored). */
export function maintenanceHolder(paths: SplPaths): { pid: number; operation: string } | undefined {
  let held: { pid?: unknown; operation?: unknown };
  try {
    held = JSON.parse(readFileSync(maintenanceLockPath(paths), 'utf8')) as typeof held;
  } catch {
    return undefined;
  }
  if (typeof held.pid !== 'number' || typeof held.operation !== 'string') return undefined;
  try {
    process.kill(held.pid, 0);
  } catch {
    return undefined;
  }
  return { pid: held.pid, operation: held.operation };
}

/**
 * Runs `work` holding the maintenance lock (created exclusively; a stale one is replaced).
 * The daemon refuses to start while a live process holds it.
 */
export async function withMaintenanceLock<T>(paths: SplPaths, operation: string, work: () => Promise<T>): Promise<T> {
  const path = maintenanceLockPath(paths);
  mkdirSync(paths.runDir, { recursive: true, mode: 0o700 });
  const body = JSON.stringify({ pid: process.pid, operation, started_at: new Date().toISOString() });
  try {
    writeFileSync(path, body, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const holder = maintenanceHolder(paths);
    if (holder) throw new CliError(`another maintenance operation (${holder.operation}, pid ${holder.pid}) is running; try again when it ends`);
    writeFileSync(path, body, { mode: 0o644 }); // stale: its process is gone
  }
  try {
    return await work();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
