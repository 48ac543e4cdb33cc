import { Hono } from 'hono';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { validated } from '../request-schema.js';

/** One backup file as `GET /v1/engine/backups` lists it; the facts come from its manifest (null without one). */
export interface BackupSummary {
  readonly path: string;
  /** `rolling` (`hub.db.bak`), `generation`, or `suspect` (a snapshot the guard set aside), when the host knows. */
  readonly kind?: 'rolling' | 'generation' | 'suspect';
  readonly created_at: string | null;
  readonly records: number | null;
  readonly bytes: number | null;
  /** Whether every record in it was checked against its id before it was kept. */
  readonly verified?: boolean;
}

/** Lists the host's backups, newest first (the daemon reads its backup folder). */
export type BackupLister = () => Promise<readonly BackupSummary[]> | readonly BackupSummary[];

/**
 * `GET /v1/engine/backups`: the backup files, with `records:read` — the scope that already sees
 * `backup_dir`, `last_backup` and `backup_warning` on `/v1/engine/health`; this adds only their
 * names, sizes and counts.
 */
export function backupRoutes(list: BackupLister, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/backups', guard.requires('records:read'), validated({ summary: 'backup files (rolling, generations, suspects), newest first' }), async (c) =>
    c.json({ object: 'list', data: await list(), next_cursor: null }),
  );
  return app;
}
