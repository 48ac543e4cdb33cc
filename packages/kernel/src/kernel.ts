import type { Fold, LogRecord, StoredRecord } from '@syncropel/algebra';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, isLogError } from '@syncropel/log';
import { createBuiltInViews, type View } from './built-in-views.js';
import type { FoldCodec, SnapshotHead } from './fold-snapshot.js';
import { FoldSnapshotKeeper } from './fold-snapshot-keeper.js';
import { celRecord } from './cel-record.js';
import { clockKey, type ClockState } from './clock-fold.js';
import { Cron } from './cron.js';
import { Reconciler, type ReconcilerStatus } from './work/reconciler.js';
import { digestFoldedState } from './state-digest.js';
import {
  ENGINE_CONFIG_THREAD,
  adapters,
  aitlRules,
  dispatchConcurrency,
  drainRequested,
  intelligenceEnabled,
  configSeconds,
  routingRules,
} from './config-fold.js';
import { ExpressionCache } from './expression-cache.js';
import { TickLoop, type TickReport } from './tick-loop.js';
import { countThreads, evictQuietThreads, type ThreadState } from './thread-fold.js';
import { loadThread as loadThreadFromStore } from './thread-store.js';
import { pageThreads } from './thread-page.js';
import { trustOf, trustTable } from './trust-fold.js';
import { GroupCommit } from './group-commit.js';
import { IngestFacts, MissingFact } from './ingest-facts.js';
import { planIngest, type ForeignRules, type Planned, type PlanContext } from './ingest-plan.js';
import { LeadRole } from './lead-role.js';
import { LogApplier } from './log-applier.js';
import { SharedLogFollower } from './shared-log-follower.js';
import { KernelError } from './kernel-error.js';
import { MAX_BATCH_RECORDS, MAX_CONFLICT_RETRIES, MAX_GROUPS_IN_FLIGHT, MAX_PLAN_ROUNDS, REBUILD_YIELD_EVERY, THREAD_EVICT_EVERY, THREAD_QUIET_RECORDS } from './limits.js';
import { HOST_WRITER, type Writer } from './writer.js';
import type { Emission, ForeignOutcome, IngestResult } from './ingest-result.js';
import type {
  FoldError,
  FoldSnapshotOutcome,
  IngestLoopStatus,
  Kernel,
  KernelHealth,
  KernelHealthDetails,
  KernelOptions,
  KernelStatus,
  LiveView,
  RecordListener,
} from './kernel-api.js';

/** The actor of the kernel's own records when the host names none. */
export const EMBEDDED_ENGINE_ACTOR = 'did:sync:instance:embedded';

/** WAL checkpoint and AITL/stall sweep intervals of the built-in CRON jobs. */
export const CHECKPOINT_JOB_SECS = 3600;
export const SWEEP_JOB_SECS = 60;
/** How often the built-in CRON job writes a fold snapshot (when one is configured and records were folded since). */
export const FOLD_SNAPSHOT_JOB_SECS = 600;

/** Creates a kernel over a store. Call `start()` before ingesting. */
export function createKernel(options: KernelOptions): Kernel {
  const { store } = options;
  const now = options.now ?? Date.now;
  const engineActor = options.actor ?? EMBEDDED_ENGINE_ACTOR;
  const engineActorLower = engineActor.toLowerCase();
  const report = options.onError ?? (() => undefined);
  const listeners = new Set<RecordListener>();
  const expressions = new ExpressionCache();
  const evictEvery = options.threadEviction?.every ?? THREAD_EVICT_EVERY;
  const quietFor = options.threadEviction?.quiet ?? THREAD_QUIET_RECORDS;
  // Built-in live state; every piece is a fold of the log, stepped together with attached views.
  const { live, views } = createBuiltInViews({ expressions, engineActor, evictEvery, quietFor });
  // Attached views are numbered after the built-in ones in error reports.
  const builtInViews = views.length;

  // A thread whose state left memory, folded from the store as live state stands (never past it).
  const loadThread = (thread: string, beforeSeq = (foldedHead?.seq ?? 0) + 1) => loadThreadFromStore(store, thread, beforeSeq);
  let foldErrors = 0;
  let lastFoldError: FoldError | null = null;

  /**
   * Folds one record into every view. A view that throws keeps its state from before the record,
   * and the error is counted, reported with the record id and shown in health details: one bad
   * record or one broken fold never stops ingest, a rebuild, or the other views.
   */
  function stepViews(r: StoredRecord): void {
    for (const v of views) {
      try {
        v.state = v.fold.step(v.state, r);
      } catch (error) {
        foldErrors++;
        lastFoldError = { view: v.name, record: r.id, seq: r.seq, message: String((error as Error)?.message ?? error).slice(0, 500) };
        report(new Error(`fold ${v.name} failed on record ${r.id} (seq ${r.seq}): ${lastFoldError.message}`, { cause: error }), 'fold');
      }
    }
  }
  const ticks = new TickLoop({
    now,
    intervalSecs: () => configSeconds(live.config, 'tick_interval'),
    stallWindowSecs: () => configSeconds(live.config, 'stall_window'),
    threads: () => live.threads,
    verdicts: () => live.trust.verdicts,
  });
  const cron = new Cron(now);
  cron.register('wal_checkpoint', CHECKPOINT_JOB_SECS, () => store.checkpoint());
  cron.register('aitl_stall_sweep', SWEEP_JOB_SECS, () => sweep());
  if (options.foldSnapshot) {
    cron.register('fold_snapshot', FOLD_SNAPSHOT_JOB_SECS, async () => {
      if (keeper.due(foldedRecords)) await saveSnapshot();
    });
  }
  let reconciler: Reconciler | undefined;
  const scopeFor = (actor = '') => ({ trust: (a: string, d: string) => trustOf(live.trust, a, d, now()), currentActor: () => actor, now: () => new Date(now()) });

  let status: KernelStatus = 'created';
  let starting: Promise<void> | undefined;
  let stopRequested = false;

  // Where live state stands in the log: the newest record folded, and how many were.
  let foldedHead: SnapshotHead | null = null;
  let foldedRecords = 0;
  let progress: { folded: number; total: number } | null = null;
  const keeper = new FoldSnapshotKeeper(options.foldSnapshot, store, views, now);

  /** Folds one committed record into every view; closed threads gone quiet leave memory. */
  function foldRecord(r: StoredRecord): void {
    const previous = foldedHead?.seq ?? 0;
    stepViews(r);
    foldedHead = { seq: r.seq, id: r.id };
    foldedRecords++;
    if (Math.floor(r.seq / evictEvery) !== Math.floor(previous / evictEvery)) {
      try {
        evictQuietThreads(live.threads, r.seq - quietFor);
      } catch (error) {
        report(error, 'fold');
      }
    }
  }

  /**
   * Brings back the state of a thread that left memory before a record on it is folded: folded
   * from the store up to that record. Checked again after the read, as live state may have moved.
   */
  async function bringBack(r: StoredRecord): Promise<void> {
    const state = await loadThread(r.thread, r.seq);
    if (typeof live.threads.get(r.thread) !== 'number') return;
    if (state) live.threads.set(r.thread, state);
    else live.threads.delete(r.thread);
  }

  /** Folds committed records (in log order, all after the folded head), then tells the loops and listeners. */
  async function applyRecords(records: readonly StoredRecord[]): Promise<void> {
    let folded = 0;
    try {
      for (const r of records) {
        if (typeof live.threads.get(r.thread) === 'number') await bringBack(r);
        foldRecord(r);
        folded++;
      }
    } finally {
      // What was folded is announced even when bringing a thread back failed part-way (the rest
      // is read again by the next catch-up).
      const applied = folded === records.length ? records : records.slice(0, folded);
      if (role.leads) reconciler?.pull();
      // A kernel that does not lead dispatches nothing; the leader that takes over reads pending work from the fold.
      else live.work.ready = [];
      if (applied.length > 0) {
        for (const listener of listeners) {
          try {
            listener(applied);
          } catch (error) {
            report(error, 'listener');
          }
        }
      }
    }
  }
  const applier = new LogApplier(store, () => foldedHead?.seq ?? 0, applyRecords);
  // Whether this kernel runs the loops, and (on a shared log) how it follows the other writers.
  const role = new LeadRole({
    startLoops: () => {
      ticks.start();
      cron.start();
      // Work that the log shows without an outcome (lost in a crash, left by the last leader) is dispatched.
      reconciler?.takeOver();
    },
    stopLoops: () => {
      ticks.stop();
      cron.stop();
      reconciler?.standBy();
    },
    catchUp: () => applier.catchUp(),
    mayLead: () => status === 'ready' && !stopRequested,
    report,
  });
  const follower = store.shared
    ? new SharedLogFollower(store.shared, applier, { folded: () => foldedHead?.seq ?? 0, live: () => status === 'ready', stopping: () => stopRequested, report })
    : undefined;

  /**
   * The startup rebuild: live state from the fold snapshot when a usable one exists, then every
   * later record folded into every view (the whole log when there is none); then
   * the loops start. Linear in the records folded.
   */
  async function rebuild(until?: () => Promise<void>): Promise<void> {
    startedAt = now();
    expressions.warmUp();
    const reset = () => {
      for (const v of views) v.state = v.fold.initial();
    };
    reset();
    const restored = await keeper.restore(reset);
    if (restored) ({ head: foldedHead, records: foldedRecords } = restored);
    // On a shared log, listen before reading: a record committed meanwhile is then either read
    // below or announced after (the catch-up below applies it either way).
    await follower?.follow();
    progress = { folded: foldedRecords, total: await store.count() };
    let n = 0;
    for await (const page of store.scan(foldedHead?.seq ?? 0)) {
      for (const r of page) {
        if (typeof live.threads.get(r.thread) === 'number') await bringBack(r);
        foldRecord(r);
        progress.folded++;
        // Yield now and then so a host can answer probes (with this progress) during a long rebuild.
        if (++n % REBUILD_YIELD_EVERY === 0) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (stopRequested) return;
        }
      }
    }
    keeper.started(n);
    if (stopRequested) return;
    // The host's last word (e.g. the store check) before anything runs or is written.
    if (until) await until();
    if (stopRequested) return;
    progress = null;
    live.work.ready = [];
    status = 'ready';
    if (store.shared && follower) {
      // A channel that broke while the log was folding is followed again before catching up.
      await follower.renewIfLost();
      await applier.catchUp();
      // Exactly one kernel on a shared log runs the loops; this one starts them when it leads.
      await role.campaign(store.shared);
    } else role.alone();
  }

  /** Writes a fold snapshot of every view as of the newest folded record, when there is one to take. */
  async function saveSnapshot(): Promise<FoldSnapshotOutcome> {
    const head = foldedHead;
    if (head === null || progress !== null || status === 'created' || status === 'starting') return { saved: false, reason: 'nothing folded yet' };
    // A fold that threw kept its older state; a full rebuild at the next start may heal it, a snapshot would keep it.
    if (foldErrors > 0) return { saved: false, reason: `${foldErrors} record(s) failed to fold since start (see folds in health details); the next start folds the log in full` };
    // The head is read again when the states are encoded (after the keeper's reads), in the same tick.
    return keeper.save(() => ({ head: foldedHead ?? head, records: foldedRecords }));
  }

  let startedAt: number | undefined;
  let ingestedTotal = 0;
  // Writes accepted but not yet committed: consulted so two writes in one group cannot clash, and
  // so an answer to a record still waiting to commit is checked against that record.
  const pending = new Map<string, LogRecord>();
  const pendingClocks: ClockState = new Map();

  const group = new GroupCommit(
    (entries) => store.append(entries),
    async (stored) => {
      ingestedTotal += stored.length;
      try {
        await applier.through(stored);
      } catch (error) {
        report(error, 'fold');
      } finally {
        for (const r of stored) settle(r.id, r.actor, r.thread, r.clock);
      }
    },
    (error, entries) => {
      for (const { id, record } of entries) settle(id, record.actor, record.thread, record.clock);
      report(error, 'commit');
    },
    store.shared ? 1 : MAX_GROUPS_IN_FLIGHT,
    options.onCommit,
  );

  /** Forgets a write that has committed or failed; a later pending clock for the same key stays. */
  function settle(id: string, actor: string, thread: string, clock: number): void {
    pending.delete(id);
    const key = clockKey(actor, thread);
    if (pendingClocks.get(key) === clock) pendingClocks.delete(key);
  }

  /**
   * The last committed clock of an actor on a thread: the thread fold keeps the highest clock per
   * actor, so it is the one place clocks live (a thread that left memory is folded from the store).
   */
  function committedClock(actor: string, thread: string, facts: IngestFacts): number | undefined {
    const held = live.threads.get(thread);
    if (held === undefined) return undefined;
    return (typeof held === 'number' ? facts.thread(thread) : held)?.last_clock[actor];
  }

  /** The last clock accepted (pending or committed) for an actor on a thread; MissingFact for a thread not fetched. */
  function lastClockOf(actor: string, thread: string, facts: IngestFacts): number | undefined {
    return pendingClocks.get(clockKey(actor, thread)) ?? committedClock(actor, thread, facts);
  }

  const newFacts = () => new IngestFacts((id) => store.get(id), (thread) => loadThread(thread));
  const planContext: PlanContext = { engineActorLower, engineActor, ...(options.signer ? { sign: options.signer } : {}), expressions, pending, pendingClocks, committedClock };

  function assertWritable(): void {
    if (status === 'ready') return;
    if (status === 'created' || status === 'starting') throw new KernelError('STARTING', 'the kernel is starting; retry shortly');
    throw new KernelError('STOPPED', 'the kernel is stopping or stopped');
  }

  /**
   * Plans, reserves and commits a write. Planning is synchronous (ids and clocks are reserved in
   * the same tick as the checks); what it needs from the store is fetched first, and again if it
   * asks for more. On a shared log the database may still refuse a record another kernel wrote
   * first (same id, or its clock): live state then catches up and the write is planned again, so
   * a retried record comes back as a duplicate and a real clash as CLOCK_CONFLICT.
   */
  async function ingestAll(inputs: readonly unknown[], fieldOf: (i: number) => string, writer: Writer | typeof KERNEL, given?: IngestFacts): Promise<IngestResult[]> {
    return (await writeAll(inputs, fieldOf, writer, given)) as IngestResult[];
  }

  /** {@link ingestAll}, or with `foreign` rules the federation path, whose outcomes may also be waiting or refused. */
  async function writeAll(inputs: readonly unknown[], fieldOf: (i: number) => string, writer: Writer | typeof KERNEL, given?: IngestFacts, foreign?: ForeignRules): Promise<(IngestResult | ForeignOutcome)[]> {
    assertWritable();
    let facts = given ?? newFacts();
    // Answers name their targets: fetch those up front, so most writes plan in one round.
    const answered = given || writer === KERNEL ? [] : answeredIds(inputs).filter((id) => !pending.has(id));
    if (answered.length > 0) await facts.fetch(undefined, answered);
    for (let round = 0, conflicts = 0; ; round++) {
      assertWritable();
      let plan: Planned[];
      try {
        plan = planIngest(inputs, fieldOf, writer === KERNEL ? null : writer, facts, planContext, foreign);
      } catch (e) {
        if (!(e instanceof MissingFact)) throw e;
        if (round >= MAX_PLAN_ROUNDS) throw new KernelError('STORE_FAILED', 'the log kept changing while this write was checked; nothing was stored, retry it');
        await facts.fetch(e);
        continue;
      }
      const fresh = plan.filter((p): p is Planned & { kind: 'new' } => p.kind === 'new');
      for (const p of fresh) {
        pending.set(p.entry.id, p.entry.record);
        if (!p.behind) pendingClocks.set(clockKey(p.entry.record.actor, p.entry.record.thread), p.entry.record.clock);
      }
      const needsCommit = fresh.length > 0 || plan.some((p) => p.kind === 'pending');
      let committed: ReadonlyMap<string, StoredRecord> = new Map();
      if (needsCommit) {
        try {
          committed = await group.enqueue(fresh.map((p) => p.entry));
        } catch (cause) {
          if (isLogError(cause) && (cause.code === 'DUPLICATE_ID' || cause.code === 'CLOCK_CONFLICT') && conflicts++ < MAX_CONFLICT_RETRIES) {
            await applier.catchUp();
            facts = newFacts();
            continue;
          }
          // A store that went away mid-commit cannot say whether the commit happened: a retry tells (a stored record comes back as a duplicate).
          const unknown = isLogError(cause) && cause.code === 'STORE_UNAVAILABLE' && store.shared !== undefined;
          throw new KernelError('STORE_FAILED', unknown ? 'the log did not confirm this write (it may have been stored); retry it: a stored record comes back as a duplicate' : 'the log could not commit this write; nothing was stored', undefined, { cause });
        }
      }
      return Promise.all(
        plan.map(async (p): Promise<IngestResult | ForeignOutcome> => {
          if (p.kind === 'existing') return { status: 'duplicate', record: p.record };
          if (p.kind === 'waiting') return { status: 'waiting', id: p.id, missing: p.missing };
          if (p.kind === 'refused') return { status: 'refused', id: p.id, code: p.error.code, message: p.error.message };
          const record = committed.get(p.id) ?? (await store.get(p.id));
          // A retry of a write whose own group failed: that write was never stored.
          if (!record) throw new KernelError('STORE_FAILED', `the earlier write of record ${p.id} failed; nothing was stored, retry it`);
          return { status: p.kind === 'new' ? 'created' : 'duplicate', record };
        }),
      );
    }
  }

  /** Cancels AITL requests past their expiry (the engine's own DO), and samples stalls. */
  async function sweep(): Promise<TickReport> {
    const tickReport = ticks.tick();
    if (options.workLoop && status === 'ready') {
      const t = now();
      for (const d of [...live.aitl.values()]) {
        if (d.expires_at !== null && d.expires_at <= t) {
          // One request that cannot be cancelled must not keep the others from expiring.
          try {
            await emitAs(engineActor, { thread: d.thread, act: 'DO', parents: [d.id], body: { cancels: d.id, reason: 'expired', decided_by: engineActor } });
          } catch (e) {
            report(e, 'aitl_expiry');
          }
        }
      }
    }
    return tickReport;
  }

  /** Writes a record as `actor` with its next clock on the thread; `writer` defaults to the kernel's own authority. */
  async function emitAs(actor: string, emission: Emission, writer: Writer | typeof KERNEL = KERNEL): Promise<IngestResult> {
    for (let attempt = 0; ; attempt++) {
      assertWritable();
      const facts = newFacts();
      const held = live.threads.get(emission.thread);
      if (typeof held === 'number') await facts.fetch(new MissingFact([{ kind: 'thread', key: emission.thread }]));
      const body = emission.body as { fulfills?: unknown; cancels?: unknown };
      if (writer !== KERNEL) await facts.fetch(undefined, answeredIds([body]));
      try {
        // The clock is read and reserved in one tick (ingestAll plans before its first await), so
        // concurrent emissions in this process never clash.
        const last = lastClockOf(actor, emission.thread, facts);
        const record = { parents: emission.parents ?? [], thread: emission.thread, actor, act: emission.act, body: emission.body, clock: last === undefined ? 0 : last + 1, data_type: emission.data_type ?? 'SCALAR' };
        const [result] = await ingestAll([record], () => '', writer, facts);
        return result as IngestResult;
      } catch (e) {
        // The thread left memory meanwhile (its clock is fetched next round), or another kernel
        // on a shared log took this clock first (catch up, take the next one).
        if (attempt >= MAX_CONFLICT_RETRIES) throw e;
        if (e instanceof MissingFact) continue;
        if ((e as KernelError).code !== 'CLOCK_CONFLICT' || !store.shared) throw e;
        await applier.catchUp();
      }
    }
  }

  if (options.workLoop) {
    reconciler = new Reconciler({
      engineActor,
      work: () => live.work,
      record: (id) => store.get(id),
      emit: emitAs,
      routing: () => ({
        rules: routingRules(live.config),
        aitlRules: aitlRules(live.config),
        adapters: adapters(live.config),
        expressions,
        scope: scopeFor(),
        trustOf: (a, d) => trustOf(live.trust, a, d, now()),
        intelligenceEnabled: intelligenceEnabled(live.config),
        onRuleError: (rule, e) => report(new Error(`routing rule ${rule}: ${(e as Error).message}`), 'routing'),
      }),
      concurrency: () => dispatchConcurrency(live.config),
      draining: () => drainRequested(live.config),
      now,
      report,
    });
  }
  const idleStatus = (): ReconcilerStatus => ({ reconciled_total: 0, queue_depth: 0, in_flight: 0, draining: drainRequested(live.config), dispatched_total: 0, failed_total: 0, rule_errors: 0, backed_up_threads: [] });

  /**
   * Drains (or resumes) dispatching by writing it as config: every kernel on the log reads it, and
   * it holds across restarts until resumed. Resuming pulls the work that waited.
   */
  async function setDrain(on: boolean): Promise<ReconcilerStatus> {
    if (drainRequested(live.config) !== on) {
      await emitAs(engineActor, { thread: ENGINE_CONFIG_THREAD, act: 'LEARN', body: { topic: 'drain', name: 'default', value: on } });
    }
    return reconciler?.status() ?? idleStatus();
  }

  function lastCronRun(): string | null {
    const runs = cron.status().map((j) => j.last_run_at).filter((x): x is string => x !== null).sort();
    return runs[runs.length - 1] ?? null;
  }

  function ingestStatus(base: KernelHealth): IngestLoopStatus {
    const c = group.stats;
    const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;
    return {
      ingested_total: base.ingested_total,
      pending_commit: base.pending_commit,
      commit_groups: c.groups,
      mean_group_records: c.groups === 0 ? 0 : round(c.records / c.groups, 1),
      mean_commit_ms: c.groups === 0 ? 0 : round(c.commitMsTotal / c.groups, 3),
      last_commit_ms: c.lastCommitMs === null ? null : round(c.lastCommitMs, 3),
    };
  }

  function health(): KernelHealth {
    const uptime = startedAt === undefined ? 0 : Math.floor((now() - startedAt) / 1000);
    const work = reconciler?.status() ?? idleStatus();
    return {
      status,
      started_at: startedAt === undefined ? null : new Date(startedAt).toISOString(),
      uptime_secs: uptime,
      ingested_total: ingestedTotal,
      reconciled_total: work.reconciled_total,
      reconcile_queue_depth: work.queue_depth,
      in_flight: work.in_flight,
      draining: work.draining,
      aitl_pending: live.aitl.size,
      intelligence_enabled: intelligenceEnabled(live.config),
      record_count: foldedRecords,
      head_seq: foldedHead?.seq ?? 0,
      pending_commit: group.pending,
      config_skipped: live.config.skipped,
      store: store.description,
      leader: role.leads,
      start_progress: progress === null ? null : { ...progress },
    };
  }

  return {
    get status() {
      return status;
    },
    start(startOptions) {
      if (status !== 'created') return starting ?? Promise.resolve();
      status = 'starting';
      starting = rebuild(startOptions?.until).catch(async (error: unknown) => {
        // A start that fails leaves a stopped kernel, never one stuck in `starting`, and holds nothing.
        status = 'stopped';
        await role.resign();
        await follower?.stop();
        throw error;
      });
      return starting;
    },
    async stop() {
      if (status === 'created') {
        status = 'stopped';
        return;
      }
      if (status === 'starting') {
        // The rebuild notices at its next yield and ends without starting the loops.
        stopRequested = true;
        await starting?.catch(() => undefined);
        if ((status as KernelStatus) !== 'ready') {
          status = 'stopped';
          await follower?.stop();
          return;
        }
      }
      if (status === 'stopped' || status === 'stopping') return group.drained();
      // The end of a start (catching up, campaigning) finishes first, so no lead is left held.
      stopRequested = true;
      await starting?.catch(() => undefined);
      role.standDown();
      // In-flight dispatches finish (and write their results) before writes are refused; the
      // host has already stopped accepting requests, so nothing else arrives meanwhile.
      const finished = (await reconciler?.stop(options.dispatchGraceMs ?? 10_000)) ?? true;
      if (!finished) report(new Error('in-flight dispatches did not finish within the grace period; they will run again after restart'), 'stop');
      // Only now may another kernel on a shared log lead: the results above are in the log it
      // catches up on, so it never dispatches this kernel's work a second time.
      await role.resign();
      status = 'stopping';
      await group.drained();
      await applier.settled();
      await follower?.stop();
      // The next start folds only what comes after this (a failure costs a longer start, nothing else).
      if (keeper.due(foldedRecords)) await saveSnapshot().catch((e: unknown) => report(e, 'fold_snapshot'));
      status = 'stopped';
    },
    async ingest(input, options) {
      const [result] = await ingestAll([input], () => '', options?.writer ?? HOST_WRITER);
      return result as IngestResult;
    },
    async ingestBatch(inputs, options) {
      if (inputs.length > MAX_BATCH_RECORDS) {
        throw new KernelError('PAYLOAD_TOO_LARGE', `records holds ${inputs.length} records; at most ${MAX_BATCH_RECORDS} per batch`, 'records');
      }
      return ingestAll(inputs, (i) => `records[${i}]`, options?.writer ?? HOST_WRITER);
    },
    async ingestForeign(inputs, rules) {
      if (inputs.length > MAX_BATCH_RECORDS) {
        throw new KernelError('PAYLOAD_TOO_LARGE', `records holds ${inputs.length} records; at most ${MAX_BATCH_RECORDS} per batch`, 'records');
      }
      return (await writeAll(inputs, (i) => `records[${i}]`, KERNEL, undefined, rules)) as ForeignOutcome[];
    },
    record(id) {
      return store.get(id);
    },
    async records(query) {
      const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
      return store.query({ ...query, limit });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    attach<S>(f: Fold<S, StoredRecord>, codec?: FoldCodec<S>): LiveView<S> {
      if (status !== 'created') throw new Error('attach() must be called before start()');
      const view: View = { name: `attached#${views.length - builtInViews + 1}`, fold: f as Fold<unknown, StoredRecord>, state: f.initial() as unknown };
      if (codec) view.codec = { version: codec.version, code: [f.step, codec.encode, codec.decode], encode: () => codec.encode(view.state as S), decode: (j) => (view.state = codec.decode(j)) };
      views.push(view);
      return { get: () => view.state as S };
    },
    async lastClock(actor, thread) {
      const facts = newFacts();
      if (typeof live.threads.get(thread) === 'number') await facts.fetch(new MissingFact([{ kind: 'thread', key: thread }]));
      return lastClockOf(actor, thread, facts);
    },
    saveFoldSnapshot: saveSnapshot,
    emit: emitAs,
    health,
    healthDetails(): KernelHealthDetails {
      const base = health();
      const t = ticks.status();
      return {
        ...base,
        loops: {
          ingest: ingestStatus(base),
          reconcile: { enabled: options.workLoop === true, ...(reconciler?.status() ?? idleStatus()) },
          tick: { interval_secs: t.interval_secs, ticks: t.ticks, last: t.last },
          cron: { last_at: lastCronRun(), jobs: cron.status() },
        },
        config: { entries: live.config.entries.size, skipped: live.config.skipped, last_problem: live.config.lastProblem },
        folds: { errors: foldErrors, last_error: lastFoldError },
        fold_snapshot: { ...keeper.status },
        threads: countThreads(live.threads),
        expression_cache: expressions.stats(),
      };
    },
    expressions,
    config: () => [...live.config.entries.values()],
    routingRules: () => routingRules(live.config),
    trust: (filter) => trustTable(live.trust, now(), filter),
    trustOf: (actor, domain) => trustOf(live.trust, actor, domain, now()),
    async thread(id) {
      const held = live.threads.get(id);
      return typeof held === 'number' ? loadThread(id) : held;
    },
    hasThread: (id) => live.threads.has(id),
    threadOwner: (id) => live.ownership.get(id) ?? engineActor,
    async threads() {
      const all = await Promise.all([...live.threads].map(([id, held]) => (typeof held === 'number' ? loadThread(id) : held)));
      return all.filter((t): t is ThreadState => t !== undefined).sort((a, b) => b.last_seq - a.last_seq);
    },
    async stateDigest(only) {
      const set = only === undefined ? undefined : new Set(only);
      const held = [...live.threads].filter(([id]) => set === undefined || set.has(id));
      const threads = (await Promise.all(held.map(([id, t]) => (typeof t === 'number' ? loadThread(id) : t)))).filter((t): t is ThreadState => t !== undefined);
      return digestFoldedState({ threads, aitl: live.aitl, work: live.work, trust: live.trust }, set);
    },
    threadsPage: (query) => pageThreads(live.threads, query, (id) => loadThread(id)),
    pendingDecisions: () => [...live.aitl.values()].sort((a, b) => a.seq - b.seq),
    expression(context, source, variables) {
      const compiled = expressions.compile(context, source);
      if (!compiled.ok) return { ok: false, stage: 'compile', error: compiled.error };
      if (!variables) return { ok: true };
      try {
        const bound: Record<string, unknown> = { record: variables.record === undefined ? {} : celRecord(variables.record as StoredRecord) };
        if (context === 'permission') bound.resource = variables.resource ?? '';
        return { ok: true, value: compiled.value.evaluate(bound, scopeFor(variables.actor)) };
      } catch (e) {
        const err = e as { code?: string; summary?: string; message?: string };
        return { ok: false, stage: 'evaluate', error: { code: err.code ?? 'evaluation_error', message: err.summary ?? err.message ?? String(e) } };
      }
    },
    tick: () => ticks.tick(),
    drain: {
      start: () => setDrain(true),
      stop: () => setDrain(false),
      status: () => reconciler?.status() ?? idleStatus(),
      idle: () => reconciler?.whenIdle() ?? Promise.resolve(),
    },
    async decide(requestId, d, options) {
      const pending = live.aitl.get(requestId);
      if (!pending) throw new KernelError('NOT_FOUND', `no pending decision ${requestId.slice(0, 64)}`, 'id');
      const body = d.approve
        ? { fulfills: requestId, decision: 'approve', ...(d.target ? { target: d.target } : {}), ...(d.reason ? { reason: d.reason } : {}) }
        : { cancels: requestId, decision: 'reject', ...(d.reason ? { reason: d.reason } : {}) };
      return emitAs(d.actor, { thread: pending.thread, act: 'DO', parents: [requestId], body }, options?.writer ?? HOST_WRITER);
    },
    schedule: (name, secs, run) => cron.register(name, secs, run),
    runJob: (name) => cron.runNow(name),
  };
}

/** The record ids inputs answer (`body.fulfills`, `body.cancels`): what the authority check looks up. */
function answeredIds(inputs: readonly unknown[]): string[] {
  const ids: string[] = [];
  for (const input of inputs) {
    const body = (input as { body?: unknown } | null)?.body;
    if (typeof body !== 'object' || body === null) continue;
    for (const key of ['fulfills', 'cancels'] as const) {
      const ref = (body as { [k: string]: unknown })[key];
      if (typeof ref === 'string' && ref.length <= 128) ids.push(ref);
    }
  }
  return ids;
}

/** The kernel's own authority: its emissions are not checked against a writer. */
const KERNEL: unique symbol = Symbol('kernel');

