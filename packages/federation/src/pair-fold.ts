import type { FoldCodec } from '@syncropel/kernel';
import { FEDERATION_PAIRS_THREAD, THREAD_OWNER_TOPIC, moduleBuildId } from '@syncropel/kernel';
import type { StoredRecord } from '@syncropel/algebra';

/**
 * Where a pair stands. `establishing`: the handshake is in flight (or waits for the responder's
 * operator); `active`: both sides hold credentials; `rejected`: the responder's operator said no
 * (pairing again starts a new handshake); `revoked`: terminal, by either side.
 */
export type PairState = 'establishing' | 'active' | 'rejected' | 'revoked';

/** A pair as folded from th_federation_pairs. Holds no secret: tokens live in the credential store. */
export interface Pair {
  readonly pair_id: string;
  readonly peer_did: string;
  readonly peer_url: string;
  /** Which side started the handshake. */
  readonly role: 'initiator' | 'responder';
  readonly state: PairState;
  readonly created_at: string;
  readonly updated_at: string;
  /** The service account this instance minted for the peer, and its token's id (never the token). */
  readonly issued_sa: string | null;
  readonly issued_token_id: string | null;
  /** Whether this instance was handed a credential for the peer (kept in the credential store). */
  readonly peer_credential: boolean;
  /** Whether the peer confirmed it holds the credential this instance minted for it. */
  readonly handed_over: boolean;
  /** The AITL request that holds a pair request for the operator (responder side). */
  readonly aitl_request: string | null;
  /** Threads this instance shares with the peer, and threads the peer owns that it receives. */
  readonly shared_threads: readonly string[];
  readonly received_threads: readonly string[];
  /** The record that last shared each shared thread (its id marks the share, so a peer reads the thread again from its start after an unshare and reshare). */
  readonly shared_marks: { readonly [thread: string]: string };
  /** For each received thread, the peer's share mark whose history this instance has read. */
  readonly received_marks: { readonly [thread: string]: string };
  /** Where pulling from the peer resumes (the peer's opaque cursor), or null before the first pull. */
  readonly cursor: string | null;
  readonly revoked_reason: string | null;
  readonly revoked_by: 'local' | 'peer' | null;
  /** SHA-256 of the latest pair request's nonce (the initiator polls with the nonce itself). */
  readonly nonce_sha256: string | null;
}

/** Pairs by id, and (the SHA-256 of) every handshake nonce ever accepted (a replay is refused even after a restart). */
export interface PairsState {
  readonly pairs: Map<string, Pair>;
  readonly nonces: Set<string>;
}

/** Record topics on th_federation_pairs (besides the kernel's `thread_owner`). */
export const PAIR_TOPICS = { pair: 'pair', threads: 'pair_threads', cursor: 'sync_cursor' } as const;

/**
 * The pair fold: state = fold(this instance's LEARNs on th_federation_pairs). A `pair` record
 * updates the fields it carries (a revoked pair takes no more updates: revocation is terminal);
 * `pair_threads` shares or unshares a thread; `thread_owner` marks a thread received from a
 * pair; `sync_cursor` moves the pull cursor.
 */
export function stepPairs(state: PairsState, r: StoredRecord, self: string): PairsState {
  if (r.thread !== FEDERATION_PAIRS_THREAD || r.act !== 'LEARN' || r.actor !== self) return state;
  const b = r.body;
  const id = typeof b.pair_id === 'string' ? b.pair_id : undefined;
  if (!id) return state;
  const at = typeof b.at === 'string' ? b.at : new Date(r.ingested_at).toISOString();
  const old = state.pairs.get(id);
  if (b.topic === PAIR_TOPICS.pair) {
    // Only a hash of each nonce is written: the nonce proves the initiator when it polls.
    if (typeof b.nonce_sha256 === 'string') state.nonces.add(b.nonce_sha256);
    if (old?.state === 'revoked') return state;
    const str = (k: string, fallback: string | null) => (typeof b[k] === 'string' ? (b[k] as string) : fallback);
    state.pairs.set(id, {
      pair_id: id,
      peer_did: str('peer_did', old?.peer_did ?? '') as string,
      peer_url: str('peer_url', old?.peer_url ?? '') as string,
      role: b.role === 'initiator' || b.role === 'responder' ? b.role : (old?.role ?? 'initiator'),
      state: isState(b.state) ? b.state : (old?.state ?? 'establishing'),
      created_at: old?.created_at ?? at,
      updated_at: at,
      issued_sa: str('issued_sa', old?.issued_sa ?? null),
      issued_token_id: str('issued_token_id', old?.issued_token_id ?? null),
      peer_credential: typeof b.peer_credential === 'boolean' ? b.peer_credential : (old?.peer_credential ?? false),
      handed_over: typeof b.handed_over === 'boolean' ? b.handed_over : (old?.handed_over ?? false),
      aitl_request: str('aitl_request', old?.aitl_request ?? null),
      shared_threads: old?.shared_threads ?? [],
      received_threads: old?.received_threads ?? [],
      shared_marks: old?.shared_marks ?? {},
      received_marks: old?.received_marks ?? {},
      cursor: old?.cursor ?? null,
      revoked_reason: b.state === 'revoked' ? str('reason', null) : null,
      revoked_by: b.state === 'revoked' ? (b.revoked_by === 'peer' ? 'peer' : 'local') : null,
      nonce_sha256: str('nonce_sha256', old?.nonce_sha256 ?? null),
    });
    return state;
  }
  if (!old || old.state === 'revoked') return state;
  if (b.topic === PAIR_TOPICS.threads && typeof b.thread === 'string') {
    const others = old.shared_threads.filter((t) => t !== b.thread);
    const { [b.thread]: _old, ...marks } = old.shared_marks;
    state.pairs.set(id, {
      ...old,
      shared_threads: b.shared === false ? others : [...others, b.thread],
      shared_marks: b.shared === false ? marks : { ...marks, [b.thread]: r.id },
      updated_at: at,
    });
  } else if (b.topic === THREAD_OWNER_TOPIC && typeof b.thread === 'string' && b.owner === old.peer_did) {
    const received = old.received_threads.includes(b.thread) ? old.received_threads : [...old.received_threads, b.thread];
    const marks = typeof b.mark === 'string' ? { ...old.received_marks, [b.thread]: b.mark } : old.received_marks;
    state.pairs.set(id, { ...old, received_threads: received, received_marks: marks });
  } else if (b.topic === PAIR_TOPICS.cursor && typeof b.cursor === 'string') {
    state.pairs.set(id, { ...old, cursor: b.cursor });
  }
  return state;
}

function isState(v: unknown): v is PairState {
  return v === 'establishing' || v === 'active' || v === 'rejected' || v === 'revoked';
}

/** A fresh, empty pairs state. */
export function emptyPairs(): PairsState {
  return { pairs: new Map(), nonces: new Set() };
}

/** How the pairs state goes into the kernel's fold snapshots. */
export const pairsCodec: FoldCodec<PairsState> = {
  version: `federation-pairs/1 ${moduleBuildId(import.meta.url)}`,
  encode: (s) => ({ pairs: [...s.pairs.values()], nonces: [...s.nonces] }),
  decode: (j) => {
    const e = j as { pairs: Pair[]; nonces: string[] };
    return { pairs: new Map(e.pairs.map((p) => [p.pair_id, p])), nonces: new Set(e.nonces) };
  },
};
