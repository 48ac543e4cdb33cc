import type { Fold, StoredRecord } from '@syncropel/algebra';
import type { LogQuery, LogStore } from '@syncropel/log';
import type { PendingDecision } from './aitl-fold.js';
import type { CelContext } from './cel-environments.js';
import type { ConfigEntry, RoutingRule } from './config-fold.js';
import type { CronJobStatus } from './cron.js';
import type { CompileError, ExpressionCache, ExpressionCacheStats } from './expression-cache.js';
import type { Emission, ForeignOutcome, IngestResult } from './ingest-result.js';
import type { ForeignRules } from './ingest-plan.js';
import type { ThreadState } from './thread-fold.js';
import type { ThreadPage, ThreadPageQuery } from './thread-page.js';
import type { TickReport } from './tick-loop.js';
import type { TrustRow } from './trust-fold.js';
import type { ReconcilerStatus } from './work/reconciler.js';
import type { Writer } from './writer.js';
import type { FoldCodec, FoldSnapshotStore } from './fold-snapshot.js';

/*
 * The kernel's public shape: what `createKernel` returns and takes, and what its health
 * surfaces report. The implementation lives in kernel.ts.
 */

/** Where the kernel is in its life. Only `ready` accepts writes. */
export type KernelStatus = 'created' | 'starting' | 'ready' | 'stopping' | 'stopped';


/** Called with each committed group of records, in log order. Must only enqueue work, never block. */
export type RecordListener = (records: readonly StoredRecord[]) => void;

/** A fold the kernel keeps current: rebuilt from the whole log at start, then stepped on every commit. */
export interface LiveView<S> {
  /** The current state. Callers must treat it as read-only. */
  get(): S;
}


/** Counters and facts for health surfaces. */
export interface KernelHealth {
  readonly status: KernelStatus;
  readonly started_at: string | null;
  readonly uptime_secs: number;
  readonly ingested_total: number;
  /** Records the RECONCILE loop has handled (it arrives with the work loop; 0 until then). */
  readonly reconciled_total: number;
  readonly reconcile_queue_depth: number;
  readonly in_flight: number;
  readonly draining: boolean;
  readonly aitl_pending: number;
  readonly intelligence_enabled: boolean;
  readonly record_count: number;
  readonly head_seq: number;
  readonly pending_commit: number;
  readonly config_skipped: number;
  readonly store: string;
  /**
   * Whether this kernel runs the loops (RECONCILE, TICK, CRON). Always true once ready on a
   * single-writer store; on a shared log exactly one kernel leads at a time.
   */
  readonly leader: boolean;
  /** While starting: records folded so far of the log's total (a fold snapshot counts as folded); null once ready. */
  readonly start_progress: { readonly folded: number; readonly total: number } | null;
}

/** Fold snapshots in health details: where they live, what the last start used, the last save. */
export interface FoldSnapshotStatus {
  /** The snapshot store's description (a file path), or null when none is configured. */
  store: string | null;
  /** The seq the last start's snapshot stood for, or null when it folded the whole log. */
  loaded_seq: number | null;
  /** Records the last start folded after the snapshot (the whole log without one). */
  tail_records: number;
  /** Why no snapshot was used at start, or null when one was (or none is configured). */
  ignored: string | null;
  last_saved_at: string | null;
  last_saved_seq: number | null;
  last_error: string | null;
}

/** What {@link Kernel.saveFoldSnapshot} did. */
export type FoldSnapshotOutcome = { readonly saved: true; readonly seq: number; readonly records: number } | { readonly saved: false; readonly reason: string };

/**
 * The INGEST loop in health details. Commit figures are lifetime means over committed groups:
 * a slow disk shows as a rising `mean_commit_ms`, light concurrency as a small `mean_group_records`.
 */
export interface IngestLoopStatus {
  readonly ingested_total: number;
  readonly pending_commit: number;
  /** Commit groups (one transaction each) since start. */
  readonly commit_groups: number;
  /** Records per group, on average (0 before the first commit). */
  readonly mean_group_records: number;
  /** Milliseconds from handing a group to the store until it committed, on average (0 before the first commit). */
  readonly mean_commit_ms: number;
  /** The same for the last group, or null before the first commit. */
  readonly last_commit_ms: number | null;
}

/** The last record a fold could not take: which view, which record, and why. */
export interface FoldError {
  /** `config`, `trust`, `threads`, `aitl`, `ownership`, `work`, or `attached#N` for the N-th attached fold. */
  readonly view: string;
  readonly record: string;
  readonly seq: number;
  readonly message: string;
}

/** The per-loop breakdown behind `?details=true`. */
export interface KernelHealthDetails extends KernelHealth {
  readonly loops: {
    readonly ingest: IngestLoopStatus;
    readonly reconcile: ReconcilerStatus & { readonly enabled: boolean };
    readonly tick: { readonly interval_secs: number; readonly ticks: number; readonly last: TickReport | null };
    readonly cron: { readonly last_at: string | null; readonly jobs: readonly CronJobStatus[] };
  };
  readonly config: { readonly entries: number; readonly skipped: number; readonly last_problem: string | null };
  /** Records a fold threw on (that view kept its state from before the record) and the last one. */
  readonly folds: { readonly errors: number; readonly last_error: FoldError | null };
  readonly fold_snapshot: FoldSnapshotStatus;
  /** Threads whose state is held in memory, and closed ones whose state left it (folded from the store when asked). */
  readonly threads: { readonly held: number; readonly evicted: number };
  readonly expression_cache: ExpressionCacheStats;
}

/** The result of checking or evaluating an expression for an operator. */
export type ExpressionOutcome =
  | { readonly ok: true; readonly value?: unknown }
  | { readonly ok: false; readonly stage: 'compile'; readonly error: CompileError }
  | { readonly ok: false; readonly stage: 'evaluate'; readonly error: { readonly code: string; readonly message: string } };

/** Options for one ingest call. */
export interface IngestOptions {
  /**
   * Who is writing. Every record is checked against it (actor, judged_by, reserved threads,
   * answers); default: {@link HOST_WRITER}, the embedding program itself.
   */
  readonly writer?: Writer;
}

/** Options for {@link createKernel}. */
export interface KernelOptions {
  /** The log; the kernel never closes it (whoever opened it does). */
  readonly store: LogStore;
  /** Wall clock in ms since the epoch; injectable for tests. */
  readonly now?: () => number;
  /** Called when a listener throws or a commit fails, so the host can log it. */
  readonly onError?: (error: unknown, where: string) => void;
  /** The engine's own DID: the actor of every record the kernel writes (results, notices, decisions). */
  readonly actor?: string;
  /**
   * Signs the kernel's own records (those whose actor is `actor`): returns the hex Ed25519
   * signature of the canonical bytes given (the bytes the id hashes), stored as `sig`. The daemon
   * passes its instance key (`readSigner`); without one, its records are unsigned.
   */
  readonly signer?: (canonical: string) => string;
  /**
   * Run RECONCILE: route records that ask for work and dispatch them to adapters. Off by default
   * for embedders that only want the log; the daemon turns it on.
   */
  readonly workLoop?: boolean;
  /** How long `stop()` lets in-flight dispatches finish before aborting them (default 10 s). */
  readonly dispatchGraceMs?: number;
  /**
   * Where fold snapshots are kept. With one, `start()` restores live state from the newest usable
   * snapshot and folds only the records after it; `stop()` and a CRON job (every
   * FOLD_SNAPSHOT_JOB_SECS) write a new one. A snapshot of other fold code, or of a log that no
   * longer holds its records at their positions, is ignored and the log folded in full.
   */
  readonly foldSnapshot?: FoldSnapshotStore;
  /**
   * When closed threads leave memory (default: every THREAD_EVICT_EVERY records, those quiet for
   * THREAD_QUIET_RECORDS): their state and clocks are then folded from the store when asked, and
   * kept again once they get a record.
   */
  readonly threadEviction?: { readonly every: number; readonly quiet: number };
  /**
   * Told of every committed group: how many records it held and how long the store took to
   * commit it, in ms (from hand-over to the store until it confirmed; the figure behind
   * `loops.ingest.mean_commit_ms`). Called once per group, after the commit and before the
   * group's writers are answered, so keep it cheap (a metrics histogram, say); a throw is dropped.
   * A group the store refused is not reported (its error goes to `onError`).
   */
  readonly onCommit?: (records: number, ms: number) => void;
}


/**
 * The embeddable kernel: INGEST (validate → canonical JSON → id → durable append → broadcast)
 * over a {@link LogStore}, with live state rebuilt from the log at start.
 *
 * Invariants:
 * - a write is acknowledged only after the transaction holding it has committed;
 * - the log never holds two records with the same id, nor a clock that fails to increase per
 *   (actor, thread);
 * - a refused write (or batch) changes nothing;
 * - live state equals a fold of the log: after a restart, `start()` rebuilds the same state.
 *
 * @example
 * const kernel = createKernel({ store: createMemoryLogStore() });
 * await kernel.start();
 * const { status, record } = await kernel.ingest({ parents: [], thread, actor, act: 'INTEND', body: {}, clock: 0, data_type: 'SCALAR' });
 */
export interface Kernel {
  readonly status: KernelStatus;
  /**
   * Rebuilds live state from the log, then accepts writes. A rebuild that fails leaves the kernel
   * `stopped` (the promise rejects); calling it again returns the same promise. `until`, when
   * given, is awaited after the rebuild and before the kernel goes live (its loops, dispatch and
   * writes): if it rejects, the start fails the same way and nothing has been written.
   */
  start(options?: { readonly until?: () => Promise<void> }): Promise<void>;
  /**
   * Refuses new writes, waits for the pending commit group, then stops. Idempotent; always
   * completes. During `start()` it ends the rebuild at its next yield, and the kernel ends `stopped`.
   */
  stop(): Promise<void>;
  /**
   * Ingests one record, checked against its writer. Throws a KernelError naming the field when it
   * is refused (or the writer's own refusal).
   */
  ingest(input: unknown, options?: IngestOptions): Promise<IngestResult>;
  /** Ingests records atomically: all are accepted (created or duplicate) or none is stored. */
  ingestBatch(inputs: readonly unknown[], options?: IngestOptions): Promise<IngestResult[]>;
  /**
   * Ingests records another instance wrote (federation; the caller has verified their
   * signatures). Each record stands alone: `rules.admit` may refuse it, a record already stored is
   * a duplicate, one whose parents are not in the log yet comes back `waiting` (nothing stored:
   * offer it again once they arrive), and a clock that does not advance is no conflict. The work
   * loop treats stored records as any other (see `threadOwner` for work another instance owns).
   */
  ingestForeign(inputs: readonly unknown[], rules: ForeignRules): Promise<ForeignOutcome[]>;
  /** One record by id. */
  record(id: string): Promise<StoredRecord | undefined>;
  /** Records in log order, filtered and paged (`limit` is clamped to 1..MAX_PAGE_SIZE). */
  records(query: Partial<LogQuery>): Promise<StoredRecord[]>;
  /** Subscribes to committed records; returns the unsubscribe function. */
  subscribe(listener: RecordListener): () => void;
  /**
   * Keeps a fold over the log current (state = fold(records)). Must be called before `start()`,
   * so the startup rebuild folds every record into it in the same single pass. With a `codec`
   * its state goes into fold snapshots; without one, this kernel writes and uses none.
   */
  attach<S>(fold: Fold<S, StoredRecord>, codec?: FoldCodec<S>): LiveView<S>;
  /** Writes a fold snapshot of the current state now (the daemon does at stop and by CRON). */
  saveFoldSnapshot(): Promise<FoldSnapshotOutcome>;
  /** The last clock accepted (committed or pending) for an actor on a thread. */
  lastClock(actor: string, thread: string): Promise<number | undefined>;
  /**
   * Appends a record as `actor` with the next clock for that actor and thread, with the kernel's
   * own authority: no writer check, reserved threads open. For layers that write the daemon's own
   * records (auth's registry, config made through the API, audit); never for records a client
   * sent. The clock is reserved in the same tick it is read, so concurrent emissions never clash;
   * on a shared log, a clock another kernel took first is retried with the next one.
   */
  emit(actor: string, emission: Emission): Promise<IngestResult>;
  /** A snapshot of the health counters. */
  health(): KernelHealth;
  /** The health counters plus the per-loop breakdown and expression-cache stats. */
  healthDetails(): KernelHealthDetails;
  /** The shared compiled-CEL cache (routing, permissions, AITL rules). */
  readonly expressions: ExpressionCache;
  /** Live config entries, newest per (topic, name). */
  config(): ConfigEntry[];
  /** Routing rules in evaluation order. */
  routingRules(): RoutingRule[];
  /** The trust table now, optionally for one actor and/or domain. */
  trust(filter?: { actor?: string; domain?: string }): TrustRow[];
  /** Effective trust of an actor in a domain now. */
  trustOf(actor: string, domain: string): number;
  /** One thread's folded state (a closed thread that left memory is folded from the store). */
  thread(id: string): Promise<ThreadState | undefined>;
  /**
   * The instance that owns a thread's work: this kernel's actor unless the instance recorded
   * another as owner (federation: `thread_owner` on th_federation_pairs). Only the owner
   * dispatches an INTEND or DO on the thread.
   */
  threadOwner(thread: string): string;
  /** Whether the log has records on this thread (no fold: cheap even for a thread that left memory). */
  hasThread(id: string): boolean;
  /**
   * Every thread's folded state, most recently active (highest `last_seq`) first. It sorts them
   * all and folds every thread that left memory from the store, so pages should use {@link threadsPage}.
   */
  threads(): Promise<ThreadState[]>;
  /**
   * One page of threads, newest (highest `first_seq`) first: those with `first_seq < cursor`, of
   * `status` if given. Pass the page's `next_cursor` back as `cursor` for the next page; a walk never
   * repeats or skips a thread that existed when it began. Throws VALIDATION_FAILED for a `limit` or
   * `cursor` that is not an integer of at least 1.
   */
  threadsPage(query: ThreadPageQuery): Promise<ThreadPage>;
  /**
   * A digest (SHA-256 hex) of the folded state that depends only on which records the log holds,
   * not their order (see `convergentState`): two instances that exchanged the same records agree
   * on it. Folds every thread that left memory, so it costs what `threads()` does. With `threads`,
   * the state of those threads only (what two paired instances share), without trust and
   * outstanding work (which only the thread's owner has).
   */
  stateDigest(threads?: Iterable<string>): Promise<string>;
  /** AITL decisions still waiting. */
  pendingDecisions(): PendingDecision[];
  /** Compiles (and, given variables, evaluates) a CEL expression in a context against live state. */
  expression(context: CelContext, expression: string, variables?: { record?: unknown; resource?: string; actor?: string }): ExpressionOutcome;
  /** Runs a TICK now (it also runs on its interval while the kernel is ready). */
  tick(): TickReport;
  /** Drain control: stop starting dispatches while in-flight ones finish. */
  readonly drain: {
    /** Writes the drain as config (so it holds on every kernel of a shared log, and across restarts); resolves once it is applied. */
    start(): Promise<ReconcilerStatus>;
    /** Writes the resume; the work that waited is dispatched by the leader. */
    stop(): Promise<ReconcilerStatus>;
    status(): ReconcilerStatus;
    /** Resolves when no dispatch is in flight. */
    idle(): Promise<void>;
  };
  /**
   * Records a decision on a pending AITL request: a DO by `actor` that fulfils (approve) or
   * cancels (reject) it, checked like any record of `options.writer` (which must hold `decide`).
   */
  decide(requestId: string, decision: { approve: boolean; actor: string; reason?: string; target?: string }, options?: IngestOptions): Promise<IngestResult>;
  /** Registers a CRON job (e.g. backups); runs every `intervalSecs` while the kernel is ready. */
  schedule(name: string, intervalSecs: number, run: () => unknown): void;
  /** Runs a CRON job now. */
  runJob(name: string): Promise<CronJobStatus | undefined>;
}

