import type { JsonObject, JsonValue, StoredRecord } from '@syncropel/algebra';
import type { Emission, IngestResult } from '../ingest-result.js';
import type { Adapter, AdapterConfig, AdapterOutcome } from './adapter.js';
import { execAdapter } from './exec-adapter.js';
import { httpAdapter } from './http-adapter.js';
import { route, type RouteDecision, type RoutingInputs } from './routing.js';
import type { WorkState } from './work-fold.js';

export { DEFAULT_DISPATCH_CONCURRENCY } from './work-config.js';

/** What the reconciler needs from the kernel. */
export interface ReconcilerDeps {
  readonly engineActor: string;
  readonly work: () => WorkState;
  readonly record: (id: string) => Promise<StoredRecord | undefined>;
  readonly emit: (actor: string, emission: Emission) => Promise<IngestResult>;
  readonly routing: () => RoutingInputs;
  readonly concurrency: () => number;
  /** Whether the log says drain (a config record, so it holds for every kernel on the log and across restarts). */
  readonly draining: () => boolean;
  readonly now: () => number;
  readonly report: (error: unknown, where: string) => void;
  /** Builds the adapter for a config; replaceable in tests of the kernel itself. */
  readonly adapterFor?: (config: AdapterConfig) => Adapter;
}

/** Counters for health surfaces. */
export interface ReconcilerStatus {
  readonly reconciled_total: number;
  readonly queue_depth: number;
  readonly in_flight: number;
  readonly draining: boolean;
  readonly dispatched_total: number;
  readonly failed_total: number;
  readonly rule_errors: number;
  readonly backed_up_threads: readonly { thread: string; queued: number }[];
}

/**
 * RECONCILE: takes records that asked for work (the work fold's `ready` list), routes each through
 * the cascade and dispatches it to its adapter under a concurrency cap. Every outcome is a record
 * written by the engine, on the record's thread, answering it:
 * - a dispatch result: KNOW `{fulfills, verdict, domain, subject: <adapter actor>, output|error}`,
 *   judged by the engine (so trust in the adapter moves, and the thread closes);
 * - a decision request: KNOW `{awaits: "actor_decision", handles, target?, expires_at}`;
 * - nothing to do: KNOW `{notice, handles}`.
 *
 * Ingest never waits for any of this: the reconciler only reacts to committed records. While
 * draining it starts no new dispatch; queued work waits and in-flight work finishes.
 */
export class Reconciler {
  // The queue, in arrival order (a Set iterates in insertion order): taking the oldest and
  // skipping duplicates are both O(1), so a rebuild that queues a million ids stays linear.
  private readonly queue = new Set<string>();
  private inFlight = 0;
  // Work being dispatched now: it stays `pending` in the fold until its outcome commits, so a lead
  // lost and won back (or a pull meanwhile) must not dispatch it a second time.
  private readonly dispatching = new Set<string>();
  // Until this kernel leads (always, on a single-writer store), it dispatches nothing.
  private standingBy = true;
  private stopped = false;
  private reconciled = 0;
  private dispatched = 0;
  private failed = 0;
  private ruleErrors = 0;
  private idle: (() => void)[] = [];
  private readonly running = new Set<AbortController>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** Takes newly dispatchable work from the fold and starts what the cap allows. */
  pull(): void {
    const work = this.deps.work();
    const ready = work.ready;
    work.ready = [];
    // After a rebuild most ids are answered long ago: keep only work that is still pending.
    for (const id of ready) if (work.items.get(id)?.status === 'pending') this.queue.add(id);
    this.pump();
  }

  /**
   * Starts dispatching as the leader: every piece of work the fold shows pending (after a
   * rebuild, work lost in a crash; after a takeover, what the last leader left) is queued.
   */
  takeOver(): void {
    this.standingBy = false;
    const work = this.deps.work();
    work.ready = [];
    for (const [id, item] of work.items) if (item.status === 'pending' && !this.dispatching.has(id)) this.queue.add(id);
    this.pump();
  }

  /** Stops starting dispatches because another kernel leads; in-flight ones finish. Queued work is left to the leader. */
  standBy(): void {
    this.standingBy = true;
    this.queue.clear();
  }

  /** Resolves when nothing is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops for good: no new dispatches; waits up to `graceMs` for in-flight ones, then aborts them. */
  async stop(graceMs: number): Promise<boolean> {
    this.stopped = true;
    if (this.inFlight === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finished = await Promise.race([this.whenIdle().then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)))]);
    if (timer) clearTimeout(timer);
    if (!finished) for (const c of this.running) c.abort('the daemon is stopping');
    return finished;
  }

  /** Counters for health. */
  status(): ReconcilerStatus {
    const perThread = new Map<string, number>();
    const work = this.deps.work();
    for (const id of this.queue) {
      const t = work.items.get(id)?.thread;
      if (t) perThread.set(t, (perThread.get(t) ?? 0) + 1);
    }
    return {
      reconciled_total: this.reconciled,
      queue_depth: this.queue.size,
      in_flight: this.inFlight,
      draining: this.deps.draining(),
      dispatched_total: this.dispatched,
      failed_total: this.failed,
      rule_errors: this.ruleErrors,
      backed_up_threads: [...perThread].map(([thread, queued]) => ({ thread, queued })).sort((a, b) => b.queued - a.queued).slice(0, 20),
    };
  }

  private pump(): void {
    while (!this.deps.draining() && !this.standingBy && !this.stopped && this.inFlight < Math.max(1, this.deps.concurrency()) && this.queue.size > 0) {
      const id = this.queue.values().next().value as string;
      this.queue.delete(id);
      const item = this.deps.work().items.get(id);
      // Answered meanwhile (a user fulfilled it, or it was cancelled), or already being dispatched: nothing to do.
      if (!item || item.status !== 'pending' || this.dispatching.has(id)) continue;
      this.inFlight++;
      this.dispatching.add(id);
      void this.handle(id, item.target).finally(() => {
        this.dispatching.delete(id);
        this.inFlight--;
        this.reconciled++;
        this.notifyIdle();
        this.pump();
      });
    }
  }

  private async handle(id: string, approvedTarget: string | undefined): Promise<void> {
    const record = await this.deps.record(id).catch((e: unknown) => (this.deps.report(e, 'reconcile'), undefined));
    if (!record) return;
    let decision: RouteDecision;
    try {
      const inputs = this.deps.routing();
      decision = route(record, approvedTarget, {
        ...inputs,
        onRuleError: (rule, e) => {
          this.ruleErrors++;
          inputs.onRuleError(rule, e);
        },
      });
    } catch (e) {
      this.deps.report(e, 'route');
      decision = { kind: 'none', reason: 'routing_error' };
    }
    try {
      if (decision.kind === 'none') {
        await this.answer(record, { notice: decision.reason, handles: record.id, ...(decision.target ? { target: decision.target } : {}) });
      } else if (decision.kind === 'decide') {
        const expires = new Date(this.deps.now() + decision.timeout_secs * 1000).toISOString();
        await this.answer(record, {
          awaits: 'actor_decision',
          handles: record.id,
          rule: decision.rule,
          via: decision.via,
          expires_at: expires,
          ...(decision.target ? { target: decision.target } : {}),
        });
      } else {
        await this.dispatch(record, decision);
      }
    } catch (e) {
      // Writing the outcome failed (store down, shutdown): the work stays in the fold and is
      // retried after a restart, since the log holds no answer for it.
      this.deps.report(e, 'reconcile');
    }
  }

  private async dispatch(record: StoredRecord, decision: Extract<RouteDecision, { kind: 'dispatch' }>): Promise<void> {
    const { adapter: config } = decision;
    const controller = new AbortController();
    this.running.add(controller);
    const timer = setTimeout(() => controller.abort(`${config.timeout_secs} s`), config.timeout_secs * 1000);
    let outcome: AdapterOutcome;
    try {
      const adapter = (this.deps.adapterFor ?? defaultAdapter)(config);
      outcome = await adapter.run(record, controller.signal);
    } catch (e) {
      outcome = { ok: false, error: `adapter failed: ${(e as Error).message}` };
    } finally {
      clearTimeout(timer);
      this.running.delete(controller);
    }
    this.dispatched++;
    if (!outcome.ok) this.failed++;
    const domain = typeof record.body.domain === 'string' ? record.body.domain : 'general';
    const output: { output?: JsonValue } = outcome.output === undefined ? {} : { output: outcome.output };
    const base = { fulfills: record.id, domain, subject: config.actor, adapter: config.name, via: decision.via };
    try {
      await this.answer(record, { ...base, verdict: outcome.ok ? 'success' : 'failure', ...output, ...(outcome.ok ? {} : { error: outcome.error }) });
    } catch (e) {
      // The full answer did not fit a record (an oversized output, say): record a failure
      // without it, so the work is answered and not re-run forever.
      if ((e as { code?: string }).code !== 'PAYLOAD_TOO_LARGE' && (e as { code?: string }).code !== 'VALIDATION_FAILED') throw e;
      this.failed += outcome.ok ? 1 : 0;
      await this.answer(record, { ...base, verdict: 'failure', error: `the adapter's answer could not be recorded: ${(e as Error).message.slice(0, 300)}` });
    }
  }

  private answer(record: StoredRecord, body: JsonObject): Promise<IngestResult> {
    return this.deps.emit(this.deps.engineActor, { thread: record.thread, act: 'KNOW', parents: [record.id], body });
  }

  private notifyIdle(): void {
    if (this.inFlight !== 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const w of waiting) w();
  }
}

function defaultAdapter(config: AdapterConfig): Adapter {
  return config.kind === 'exec' ? execAdapter(config.command as string) : httpAdapter(config.url as string);
}
