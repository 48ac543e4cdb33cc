import type { LogRecord } from '@syncropel/algebra';
import { KernelError, isDecisionRequest, type ForeignRules } from '@syncropel/kernel';
import { neverFederates } from './federated-threads.js';

/** What deciding on a peer's record needs to know. */
export interface Admission {
  /** This instance's DID. */
  readonly self: string;
  /** The peer the records come from (it signed or vouched for each). */
  readonly peer: string;
  /** Threads this instance shares with the peer. */
  readonly shared: () => readonly string[];
  /** Threads the peer says it shares with this instance (it owns them). */
  readonly peerShares: ReadonlySet<string>;
  /** The instance whose work a thread is (`Kernel.threadOwner`). */
  readonly owner: (thread: string) => string;
  /** DIDs of this instance's principals (its service accounts and the DIDs they may write as): a peer may not answer their records. */
  readonly localDids: ReadonlySet<string>;
}

/**
 * The rules a peer's records must pass, beyond their signatures. A peer is a writer without the
 * authority to configure or decide on this instance:
 * - threads: only the peer's own shared threads, or this instance's threads shared with the peer
 *   (a thread both claim to share is refused: both would dispatch its work); never reserved ones;
 * - DIDs: never this instance's (but its own records coming back, signed by its key). A user or
 *   service-account DID is the peer's word (it vouches); such DIDs are not unique across
 *   instances, so a peer's `sa-admin` and this one's are one DID (see the answer rule below);
 * - `handles` (the engine's "dealt with this work"): only the owner's engine, on its thread;
 * - answers on this instance's threads: never to a decision request, never to a record not here
 *   yet (that would pre-empt it), never to a record of this
 *   instance or one written as one of its principals' DIDs; on the peer's threads the
 *   peer's own checks applied, so its answers stand.
 */
export function foreignRules(a: Admission): ForeignRules {
  const selfLower = a.self.toLowerCase();
  return {
    admit(record, _id, field, lookup) {
      const at = (name: string) => `${field}.${name}`;
      const refuse = (code: 'RESERVED_THREAD' | 'DID_CLAIM_DENIED' | 'DECISION_DENIED' | 'VALIDATION_FAILED', name: string, why: string) => {
        throw new KernelError(code, `${at(name)} ${why}`, at(name));
      };
      if (neverFederates(record.thread)) refuse('RESERVED_THREAD', 'thread', `${record.thread} never federates`);
      const owner = a.owner(record.thread);
      const ours = owner === a.self;
      if (ours && !a.shared().includes(record.thread)) refuse('RESERVED_THREAD', 'thread', `${record.thread} is not shared with ${a.peer}`);
      if (!ours && owner !== a.peer) refuse('RESERVED_THREAD', 'thread', `${record.thread} belongs to ${owner}, not to ${a.peer}`);
      if (ours && a.peerShares.has(record.thread)) refuse('RESERVED_THREAD', 'thread', `${record.thread} is shared by both instances; stop sharing it on one side (spl federation share --stop)`);
      for (const name of ['actor', 'judged_by'] as const) {
        const did = record[name];
        if (did === null) continue;
        // Its own record coming back is signed by its own key (the puller checked); nothing else may use its DID.
        if (did.toLowerCase() === selfLower && !(name === 'actor' && did === a.self)) refuse('DID_CLAIM_DENIED', name, `${did} is this instance's DID`);
      }
      if (record.body.handles !== undefined && !(owner === a.peer && record.actor === a.peer)) {
        refuse('DECISION_DENIED', 'body.handles', 'is written only by the engine of the instance that owns the thread');
      }
      for (const key of ['fulfills', 'cancels'] as const) {
        const ref = record.body[key];
        if (typeof ref !== 'string') continue;
        const target: LogRecord | undefined = lookup(ref);
        if (!target) {
          if (ours) refuse('DECISION_DENIED', `body.${key}`, 'names no record here; a peer may not answer a record of this instance before it exists');
          continue;
        }
        if (target.thread !== record.thread) refuse('VALIDATION_FAILED', `body.${key}`, `names a record on thread ${target.thread}; an answer must be on the thread of the record it answers`);
        if (!ours) continue;
        if (isDecisionRequest(target)) refuse('DECISION_DENIED', `body.${key}`, 'answers a decision request of this instance; only its own operators decide');
        if (target.actor === a.self || a.localDids.has(target.actor)) refuse('DECISION_DENIED', `body.${key}`, `answers ${target.actor}'s ${target.act}, a record of this instance; a peer answers only its own side's records`);
      }
    },
  };
}
