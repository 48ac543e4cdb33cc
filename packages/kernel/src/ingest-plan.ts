import { createHash } from 'node:crypto';
import { canonicalizeRecord, type LogRecord, type StoredRecord } from '@syncropel/algebra';
import type { AppendEntry } from '@syncropel/log';
import type { ClockState } from './clock-fold.js';
import { clockKey } from './clock-fold.js';
import { ENGINE_CONFIG_THREAD, configProblem } from './config-fold.js';
import type { ExpressionCache } from './expression-cache.js';
import { EXPRESSION_TOO_COSTLY } from './expression-cost.js';
import { MissingFact, type FactNeed, type IngestFacts } from './ingest-facts.js';
import { checkAuthority } from './ingest-authority.js';
import { KernelError } from './kernel-error.js';
import { MAX_CLOCK_STEP, MAX_RECORD_BYTES } from './limits.js';
import type { Writer } from './writer.js';

/** What planning decided for one input: store it, wait for the same record already committing, or answer the stored one. */
export type Planned =
  /** `behind`: a foreign record below its actor's last clock on the thread, which must not lower the reserved clock. */
  | { kind: 'new'; id: string; entry: AppendEntry; behind?: true }
  | { kind: 'pending'; id: string }
  | { kind: 'existing'; id: string; record: StoredRecord }
  /** Foreign only: parents not in the log yet; nothing stored, the caller holds it until they arrive. */
  | { kind: 'waiting'; id: string; missing: string[] }
  /** Foreign only: refused on its own (the rest of the batch goes on). */
  | { kind: 'refused'; id: string | null; error: KernelError };

/**
 * How records another instance wrote are planned (federation). Unlike a local batch, each record
 * stands alone (a refused one does not refuse the rest), a record whose parents are not in the
 * log waits, and a clock that does not advance is no conflict: the other instance's log ordered
 * it, and folds do not depend on arrival order.
 */
export interface ForeignRules {
  /**
   * The caller's word on each new record (threads the peer may write, DIDs it may not claim,
   * what it may answer); throws a KernelError to refuse it. `lookup` finds a record by id
   * (earlier in the batch, waiting to commit, or in the log) — e.g. the target of an answer.
   */
  admit(record: LogRecord, id: string, field: string, lookup: (id: string) => LogRecord | undefined): void;
}

/** What planning reads from the kernel: the writes waiting to commit, and clocks and config as folded. */
export interface PlanContext {
  /** The instance's own DID, lower-cased: only the kernel writes as it. */
  readonly engineActorLower: string;
  /** The instance's own DID as written: the kernel signs the records it writes as it. */
  readonly engineActor: string;
  /** Signs the canonical bytes of the kernel's own records (hex Ed25519), when the host gave a key. */
  readonly sign?: (canonical: string) => string;
  readonly expressions: ExpressionCache;
  /** Records accepted but not yet committed, by id. */
  readonly pending: ReadonlyMap<string, LogRecord>;
  /** Their clocks, by actor and thread. */
  readonly pendingClocks: ClockState;
  /** The last committed clock of an actor on a thread; MissingFact for a thread that left memory and is not fetched. */
  committedClock(actor: string, thread: string, facts: IngestFacts): number | undefined;
}

/**
 * Validates every input, checks it against its writer (`null`: the kernel's own authority, no
 * check), and decides its fate without changing anything (so a batch is atomic). Synchronous, so
 * the caller reserves ids and clocks in the same tick; facts it lacks from the store are thrown
 * together as one MissingFact.
 */
export function planIngest(inputs: readonly unknown[], fieldOf: (i: number) => string, writer: Writer | null, facts: IngestFacts, ctx: PlanContext, foreign?: ForeignRules): Planned[] {
  const { pending, pendingClocks, expressions } = ctx;
  const batch = new Map<string, LogRecord>();
  const batchClocks: ClockState = new Map();
  const authority = { engineActorLower: ctx.engineActorLower, lookup: (id: string) => batch.get(id) ?? pending.get(id) ?? facts.record(id) };
  // Every fact the batch lacks is collected in one pass, so any batch plans in at most two rounds.
  const missing: FactNeed[] = [];
  const planned: Planned[] = [];
  for (let i = 0; i < inputs.length; i++) {
    try {
      planned.push(planOne(inputs[i], fieldOf(i)));
    } catch (e) {
      if (e instanceof MissingFact) missing.push(...e.needs);
      else if (foreign && e instanceof KernelError) planned.push({ kind: 'refused', id: idOf(inputs[i]), error: e });
      // A refusal after a missing fact may follow from it (a clock not yet known): plan again first.
      else if (missing.length > 0) break;
      else throw e;
    }
  }
  if (missing.length > 0) throw new MissingFact(missing);
  return planned;

  function planOne(input: unknown, field: string): Planned {
    const valid = canonicalizeRecord(input, field);
    if (!valid.ok) throw new KernelError('VALIDATION_FAILED', valid.error.message, valid.error.field);
    const { record, canonical } = valid.value;
    if (byteLength(canonical) > MAX_RECORD_BYTES) {
      const at = field ? `${field}.body` : 'body';
      throw new KernelError('PAYLOAD_TOO_LARGE', `${at} makes the record larger than ${MAX_RECORD_BYTES} bytes`, at);
    }
    // The kernel's own records (results, notices, decisions by expiry, auth's registry) skip
    // the check: they are the authority it enforces. Foreign records answer to the caller's rules.
    if (foreign === undefined && writer !== null) checkAuthority(record, writer, field, authority);
    // node:crypto is ~5x faster than the portable hash; both give the same id (tested).
    if (record.thread === ENGINE_CONFIG_THREAD && record.act === 'LEARN') {
      // Config is checked before it is stored, so a bad rule never replaces a working one.
      const problem = configProblem(record.body, expressions);
      if (problem) {
        const code = problem.compile?.code === EXPRESSION_TOO_COSTLY ? 'EXPRESSION_TOO_COSTLY' : 'VALIDATION_FAILED';
        throw new KernelError(code, field ? `${field}.${problem.message}` : problem.message, field ? `${field}.${problem.field}` : problem.field);
      }
    }
    const id = createHash('sha256').update(canonical).digest('hex');
    if (batch.has(id) || pending.has(id)) return { kind: 'pending', id };
    if (foreign) return planForeign(record, id, field);

    const key = clockKey(record.actor, record.thread);
    const last = batchClocks.get(key) ?? pendingClocks.get(key) ?? ctx.committedClock(record.actor, record.thread, facts);
    if (last !== undefined && record.clock <= last) {
      // A record with this id would have this actor, thread and clock, so only a clock that
      // does not advance can be a retry: look the id up only then, off the common path.
      const existing = facts.record(id);
      if (existing) return { kind: 'existing', id, record: existing };
      const at = field ? `${field}.clock` : 'clock';
      throw new KernelError(
        'CLOCK_CONFLICT',
        `${at} ${record.clock} must be greater than ${last}, the last clock of ${record.actor} on ${record.thread}`,
        at,
      );
    }
    if (record.clock > (last ?? -1) + MAX_CLOCK_STEP) {
      const at = field ? `${field}.clock` : 'clock';
      const most = (last ?? -1) + MAX_CLOCK_STEP;
      const why = last === undefined ? `too large for the first clock of ${record.actor} on ${record.thread}` : `more than ${MAX_CLOCK_STEP} past ${last}, the last clock of ${record.actor} on ${record.thread}`;
      throw new KernelError('VALIDATION_FAILED', `${at} ${record.clock} is ${why}; the most it may be is ${most}`, at);
    }
    batch.set(id, record);
    batchClocks.set(key, record.clock);
    // The instance signs what it says itself, so a peer can tell its records from claims of them.
    const signed = writer === null && ctx.sign && record.sig === undefined && record.actor === ctx.engineActor ? { ...record, sig: ctx.sign(canonical) } : record;
    return { kind: 'new', id, entry: { id, record: signed } };
  }

  function planForeign(record: LogRecord, id: string, field: string): Planned {
    // A record already stored is a duplicate whatever else is true of it (re-pulling is idempotent).
    const existing = facts.record(id);
    if (existing) return { kind: 'existing', id, record: existing };
    (foreign as ForeignRules).admit(record, id, field, authority.lookup);
    const absent = record.parents.filter((p) => !batch.has(p) && !pending.has(p) && facts.record(p) === undefined);
    if (absent.length > 0) return { kind: 'waiting', id, missing: absent };
    const key = clockKey(record.actor, record.thread);
    const last = batchClocks.get(key) ?? pendingClocks.get(key) ?? ctx.committedClock(record.actor, record.thread, facts);
    batch.set(id, record);
    // Clocks only ever rise: a foreign record below the last one is stored, and the next local write still goes above.
    if (last !== undefined && record.clock <= last) return { kind: 'new', id, entry: { id, record, foreign: true }, behind: true };
    batchClocks.set(key, record.clock);
    return { kind: 'new', id, entry: { id, record, foreign: true } };
  }
}

/** The id a refused input would have had, when it is a record at all (for the caller's report). */
function idOf(input: unknown): string | null {
  const valid = canonicalizeRecord(input);
  return valid.ok ? createHash('sha256').update(valid.value.canonical).digest('hex') : null;
}

const encoder = new TextEncoder();

/** UTF-8 length; skips encoding when even the worst case (3 bytes per UTF-16 unit) fits. */
function byteLength(text: string): number {
  return text.length * 3 <= MAX_RECORD_BYTES ? text.length : encoder.encode(text).length;
}
