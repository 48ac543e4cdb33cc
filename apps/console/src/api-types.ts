/**
 * The shapes the console reads from the API, written out here: the console imports no workspace
 * package (it runs in a browser and talks HTTP), so these mirror the daemon's JSON, fields it
 * does not show left out.
 */

/** `{"object":"list",…}` answers. */
export interface List<T> {
  readonly object: 'list';
  readonly data: readonly T[];
  readonly next_cursor: string | null;
  /** `GET /v1/threads` only: threads matching the filter. */
  readonly total?: number;
}

/** `GET /v1/engine/health?details=true` with a bearer (or the 503 STARTING answer, which has `phase`). */
export interface Health {
  readonly status: string;
  readonly phase?: string;
  readonly start_progress?: { readonly folded: number; readonly total: number } | null;
  readonly error?: { readonly code: string; readonly message: string };
  readonly uptime_secs?: number;
  readonly started_at?: string | null;
  readonly ingested_total?: number;
  readonly reconciled_total?: number;
  readonly reconcile_queue_depth?: number;
  readonly in_flight?: number;
  readonly draining?: boolean;
  readonly aitl_pending?: number;
  readonly record_count?: number;
  readonly head_seq?: number;
  readonly pending_commit?: number;
  readonly leader?: boolean;
  readonly version?: string;
  readonly instance_did?: string | null;
  readonly bind?: string | null;
  readonly store?: string;
  readonly db_path?: string | null;
  readonly backup_dir?: string | null;
  readonly auth_required?: boolean;
  readonly last_backup?: { readonly at: string; readonly path: string; readonly record_count: number } | null;
  readonly backup_warning?: string | null;
  readonly loops?: {
    readonly ingest?: { readonly [k: string]: unknown };
    readonly reconcile?: { readonly [k: string]: unknown };
    readonly tick?: { readonly interval_secs?: number; readonly ticks?: number };
    readonly cron?: { readonly last_at: string | null; readonly jobs: readonly CronJob[] };
  };
}

/** One CRON job in health details. */
export interface CronJob {
  readonly name: string;
  readonly interval_secs: number;
  readonly runs: number;
  readonly last_run_at: string | null;
  readonly last_error: string | null;
}

/** A thread's folded state. */
export interface ThreadState {
  readonly thread: string;
  readonly reserved: boolean;
  readonly status: string;
  readonly record_count: number;
  readonly participants: readonly string[];
  readonly first_seq: number;
  readonly last_seq: number;
  readonly last_at: number;
  readonly last_act: string;
}

/** A stored record. */
export interface StoredRecord {
  readonly id: string;
  readonly seq: number;
  readonly thread: string;
  readonly actor: string;
  readonly act: string;
  readonly body: { readonly [k: string]: unknown };
  readonly clock: number;
  readonly ingested_at: number;
  readonly judged_by?: string | null;
}

/** A decision waiting for a human (`GET /v1/aitl`). */
export interface PendingDecision {
  readonly id: string;
  readonly thread: string;
  readonly actor: string;
  readonly seq: number;
  readonly requested_at: number;
  readonly expires_at: number | null;
  readonly handles: string | null;
  readonly target: string | null;
  readonly rule: string | null;
}

/** A row of the trust table. */
export interface TrustRow {
  readonly actor: string;
  readonly domain: string;
  readonly successes: number;
  readonly trials: number;
  readonly effective: number;
  readonly dial: number;
  readonly last_evidence_at: string | null;
}

/** One backup file (`GET /v1/engine/backups`). */
export interface BackupSummary {
  readonly path: string;
  readonly kind?: string;
  readonly created_at: string | null;
  readonly records: number | null;
  readonly bytes: number | null;
  readonly verified?: boolean;
}
