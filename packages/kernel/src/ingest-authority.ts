import type { LogRecord } from '@syncropel/algebra';
import { ENGINE_CONFIG_THREAD } from './config-fold.js';
import { KernelError } from './kernel-error.js';
import { mayWriteAs, type Authority, type Writer } from './writer.js';

/** Threads only the kernel itself writes: accounts and tokens, the audit trail, federation pairs. */
export const DAEMON_ONLY_THREADS: readonly string[] = ['th_service_accounts', 'th_audit', 'th_federation_pairs'];

/** What the authority check reads from the kernel. */
export interface AuthorityContext {
  /** The instance's own DID, lower-cased (it is compared in any case), which only the kernel writes as. */
  readonly engineActorLower: string;
  /** A record by id, wherever it is: earlier in the same batch, waiting to commit, or in the log. */
  lookup(id: string): LogRecord | undefined;
}

/**
 * Checks one validated record against its writer: who it may speak as, which threads it may
 * write, and whether it may answer the records it answers. Throws a KernelError naming the field
 * (or the writer's own refusal); returns when the record may be stored.
 */
export function checkAuthority(record: LogRecord, writer: Writer, field: string, ctx: AuthorityContext): void {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  const engine = ctx.engineActorLower;

  if (DAEMON_ONLY_THREADS.includes(record.thread)) {
    throw new KernelError('RESERVED_THREAD', `${at('thread')} ${record.thread} is written only by the daemon`, at('thread'));
  }
  for (const name of ['actor', 'judged_by'] as const) {
    const did = record[name];
    if (did === null) continue;
    // Case-folded: DIDs compare exactly elsewhere, but a near-copy of the instance DID must not
    // pass for it in a log, a UI or a permission rule that lower-cases.
    if (did.toLowerCase() === engine) throw new KernelError('DID_CLAIM_DENIED', `${at(name)} ${did} is the daemon's own DID; only the daemon writes as it`, at(name));
    if (!mayWriteAs(writer, did)) throw new KernelError('DID_CLAIM_DENIED', `${at(name)} ${did} is not a DID that ${writer.did} may write as`, at(name));
  }
  if (record.thread === ENGINE_CONFIG_THREAD) need(writer, 'configure', record, at('thread'), `${at('thread')} ${ENGINE_CONFIG_THREAD} takes config only from writers allowed to configure`);

  const body = record.body;
  // `handles` marks the engine's own notice that it dealt with a piece of work (and links an AITL
  // request to it): from anyone else it would silently drop that work or hijack its approval.
  if (body.handles !== undefined) throw new KernelError('DECISION_DENIED', `${at('body.handles')} is written only by the daemon (it marks work the engine has dealt with)`, at('body.handles'));
  for (const key of ['fulfills', 'cancels'] as const) {
    const ref = body[key];
    if (typeof ref !== 'string') continue;
    const target = ctx.lookup(ref);
    const f = at(`body.${key}`);
    if (!target) {
      // Folds apply an answer that arrives before its target (federation delivers in causal order
      // only), and ids are content hashes anyone can compute: answering a record not yet written
      // would pre-empt it, so it takes the authority to decide.
      need(writer, 'decide', record, f, `${f} names no record in the log; answering a record before it exists needs the authority to decide (${writer.did} lacks it)`);
      continue;
    }
    if (target.thread !== record.thread) {
      throw new KernelError('VALIDATION_FAILED', `${f} names a record on thread ${target.thread}; an answer must be written on the thread of the record it answers`, f);
    }
    if (isDecisionRequest(target)) {
      need(writer, 'decide', record, f, `${f} answers a decision request; ${writer.did} may not decide`);
    } else if (!ownsWork(writer, target)) {
      need(writer, 'decide', record, f, `${f} answers ${target.actor}'s ${target.act}; ${writer.did} may answer only its own records, records addressed to it (body.to), or decide`);
    }
  }
  writer.admit?.(record, field);
}

/** True for an AITL request: a KNOW awaiting an actor's decision. */
export function isDecisionRequest(r: LogRecord): boolean {
  return r.act === 'KNOW' && r.body.awaits === 'actor_decision';
}

/** Whether the writer wrote `target` (as one of its DIDs) or `target` was addressed to it. */
function ownsWork(writer: Writer, target: LogRecord): boolean {
  const to = target.body.to;
  return mayWriteAs(writer, target.actor) || (typeof to === 'string' && mayWriteAs(writer, to));
}

function need(writer: Writer, authority: Authority, record: LogRecord, field: string, refusal: string): void {
  if (!writer.holds(authority, record, field)) throw new KernelError(authority === 'configure' ? 'RESERVED_THREAD' : 'DECISION_DENIED', refusal, field);
}
