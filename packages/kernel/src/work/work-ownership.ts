import type { StoredRecord } from '@syncropel/algebra';
import type { FoldCodec } from '../fold-snapshot.js';

/** The reserved thread where an instance records which threads another instance owns (federation). */
export const FEDERATION_PAIRS_THREAD = 'th_federation_pairs';

/** The topic of an ownership record: `{topic, name: <thread>, thread, owner: <instance DID>}`, a LEARN by the instance. */
export const THREAD_OWNER_TOPIC = 'thread_owner';

/**
 * Which threads another instance owns: state = fold(ownership LEARNs the instance itself wrote on
 * th_federation_pairs). Work on such a thread (its INTENDs and DOs) is dispatched by its owner
 * only, so two paired instances never both do the same work. A thread without an entry is owned
 * by this instance. The newest record per thread wins.
 */
export type OwnershipState = Map<string, string>;

/** Folds one record into the ownership map (in place). Only the instance's own records count. */
export function stepOwnership(state: OwnershipState, r: StoredRecord, engineActor: string): OwnershipState {
  if (r.thread !== FEDERATION_PAIRS_THREAD || r.act !== 'LEARN' || r.actor !== engineActor) return state;
  const b = r.body;
  if (b.topic !== THREAD_OWNER_TOPIC || typeof b.thread !== 'string' || typeof b.owner !== 'string') return state;
  if (b.owner === engineActor) state.delete(b.thread);
  else state.set(b.thread, b.owner);
  return state;
}

/** How the ownership map goes into fold snapshots. */
export const ownershipCodec: FoldCodec<OwnershipState> = {
  version: 'ownership/1',
  encode: (s) => [...s],
  decode: (j) => new Map(j as [string, string][]),
};
