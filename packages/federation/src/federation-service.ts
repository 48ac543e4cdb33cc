import { instancePublicKey, type JsonObject } from '@syncropel/algebra';
import { isAuthError, type Principal } from '@syncropel/auth';
import { FEDERATION_PAIRS_THREAD } from '@syncropel/kernel';
import { feedQuery, readChanges, vouch, type ChangePage } from './change-feed.js';
import type { FederationContext } from './federation-context.js';
import { neverFederates } from './federated-threads.js';
import { FederationError } from './federation-error.js';
import { Initiator } from './initiator.js';
import { MANIFEST_TTL_MS, signManifest, type WellKnown } from './manifest.js';
import { PAIR_TOPICS, emptyPairs, pairsCodec, stepPairs, type Pair, type PairsState } from './pair-fold.js';
import { PeerClient } from './peer-client.js';
import { Puller } from './puller.js';
import { Responder } from './responder.js';
import { signMessage, verifyMessage } from './signed-message.js';
import { DEFAULT_SYNC_INTERVAL_MS, FEDERATION_SYNC_SCOPE, type Federation, type FederationOptions, type PairView } from './federation-api.js';

/** The config topic that sets how often pairs are pulled: `spl config set federation_sync default --body '{"seconds":30}'`. */
export const SYNC_CONFIG_TOPIC = 'federation_sync';

/** How often the sync timer looks whether a pair is due (a pull happens at the configured interval). */
export const SYNC_BEAT_MS = 1000;

/** How long a revocation notice to the peer may take before revoking goes on without it. */
export const REVOKE_NOTICE_TIMEOUT_MS = 5000;

/**
 * Creates the federation layer over a kernel and auth (before `kernel.start()`): the pair fold,
 * the two sides of the handshake (Initiator, Responder), the change feed served to peers, pulling
 * from them (Puller), sharing and revocation.
 */
export function createFederation(options: FederationOptions): Federation {
  const { kernel, auth, identity, sign, credentials } = options;
  const self = identity.did;
  const now = options.now ?? Date.now;
  const report = options.onError ?? (() => undefined);
  const view = kernel.attach<PairsState>({ initial: emptyPairs, step: (s, r) => stepPairs(s, r, self) }, pairsCodec);
  const pairs = () => view.get().pairs;
  const stamp = () => new Date(now()).toISOString();
  let interval: ReturnType<typeof setInterval> | undefined;
  let signed: WellKnown | undefined;
  let resumed = false;

  function pairOf(idOrDid: string): Pair {
    const p = pairs().get(idOrDid) ?? [...pairs().values()].find((x) => x.peer_did === idOrDid);
    if (!p) throw new FederationError('NOT_FOUND', `no pair ${idOrDid.slice(0, 80)} (spl federation list shows the pairs)`, 'pair_id');
    return p;
  }

  const context: FederationContext = {
    kernel,
    auth,
    self,
    sign,
    now,
    credentials,
    peer: new PeerClient(options.fetch ?? fetch),
    report,
    state: () => view.get(),
    pairOf,
    writePair: (body: JsonObject) => kernel.emit(self, { thread: FEDERATION_PAIRS_THREAD, act: 'LEARN', body: { name: String(body.pair_id), ...body, at: stamp() } }),
    /**
     * Mints (or reuses) the service account for a peer and a fresh token limited to federation.
     * The account's earlier tokens are revoked first: a peer holds one live token, and one whose
     * handover failed (its plaintext is gone) must not stay valid.
     */
    async mintForPeer(p) {
      const sa = `fed-${p.pair_id.slice(4, 28)}`;
      try {
        await auth.createServiceAccount({ sa_id: sa, scopes: [FEDERATION_SYNC_SCOPE], description: `federation peer ${p.peer_did} (pair ${p.pair_id})` });
      } catch (e) {
        if (!(isAuthError(e) && e.code === 'ALREADY_EXISTS')) throw e;
      }
      for (const t of auth.listTokens(sa)) if (!t.revoked) await auth.revokeToken(t.token_id, 'replaced by a new federation token');
      const minted = await auth.mintToken(sa, { label: `federation ${p.pair_id}` });
      return { sa, tokenId: minted.token_id, bearer: minted.bearer };
    },
    revokedError: (p) => new FederationError('PAIR_REVOKED', `pair ${p.pair_id} was revoked${p.revoked_by === 'peer' ? ' by the peer' : ''}${p.revoked_reason ? ` (${p.revoked_reason})` : ''}; revocation is final`, 'pair_id'),
    localDids: () => new Set(auth.listServiceAccounts().flatMap((sa) => [`did:sync:sa:${sa.sa_id}`, ...sa.actors])),
  };
  const puller = new Puller({ kernel, self, fetcher: options.fetch ?? fetch, now, credentials, write: context.writePair, localDids: context.localDids, onError: report });
  const initiator = new Initiator(context, options.publicUrl);
  const responder = new Responder(context);
  const viewOf = ({ nonce_sha256: _nonce, ...p }: Pair): PairView => ({ ...p, sync: puller.status(p.pair_id) });

  /** The pair a peer's token belongs to; refuses a pair that is not active. */
  function pairOfPrincipal(principal: Principal): Pair {
    auth.authorize(principal, FEDERATION_SYNC_SCOPE);
    const p = [...pairs().values()].find((x) => x.issued_sa === principal.sa_id);
    if (!p) throw new FederationError('NOT_FOUND', `service account ${principal.sa_id} belongs to no pair`, 'authorization');
    if (p.state === 'revoked') throw context.revokedError(p);
    if (p.state !== 'active') throw new FederationError('PAIR_NOT_ACTIVE', `pair ${p.pair_id} is ${p.state}`, 'pair_id');
    return p;
  }

  async function revokeAccount(sa: string): Promise<void> {
    try {
      await auth.revokeServiceAccount(sa);
    } catch (e) {
      if (!(isAuthError(e) && e.code === 'NOT_FOUND')) throw e;
    }
  }

  /** How often active pairs are pulled: config `federation_sync` (`{"seconds": N}`), else the option, else DEFAULT_SYNC_INTERVAL_MS; 0 turns the interval off. */
  function syncEveryMs(): number {
    const entry = kernel.config().find((e) => e.topic === SYNC_CONFIG_TOPIC && e.name === 'default');
    if (typeof entry?.body.seconds === 'number') return entry.body.seconds * 1000;
    return options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
  }

  /** Work a restart may have cut short, pair by pair (one unreachable peer does not hold up the others). */
  async function resume(): Promise<void> {
    const pending = new Set(kernel.pendingDecisions().map((d) => d.id));
    for (const p of [...pairs().values()]) {
      try {
        await responder.resume(p, pending);
        await initiator.resume(p);
      } catch (e) {
        report(e, `federation_resume ${p.pair_id}`);
      }
    }
  }

  return {
    wellKnown() {
      const expires = signed ? Date.parse(signed.federation_manifest.signature.expires_at) : 0;
      // Signed at start, and again when less than a day is left, so a long-running daemon never serves an expired one.
      if (!signed || expires - now() < MANIFEST_TTL_MS / 7) signed = signManifest(identity, options.version, sign, now());
      return signed;
    },
    identity() {
      return { did: self, method: 'did:sync', public_key: identity.public_key, key_id: `${self}#key-1` };
    },
    async pair(url, opts = {}) {
      return viewOf(await initiator.pair(url, opts.strict !== false));
    },
    receivePairRequest: (body) => responder.receive(body),
    poll: (pairId, body) => responder.poll(pairId, body),
    async confirm(principal, pairId, body) {
      const p = pairOfPrincipal(principal);
      if (p.pair_id !== pairId) throw new FederationError('NOT_FOUND', `this token belongs to pair ${p.pair_id}, not ${pairId.slice(0, 80)}`, 'pair_id');
      const token = (body as { token?: unknown } | null)?.token;
      if (typeof token !== 'string' || !/^spl_[a-z0-9]+_[a-z0-9-]+_\S+$/.test(token) || token.length > 512) throw new FederationError('VALIDATION_FAILED', 'token must be the bearer the initiator minted for this instance', 'token');
      credentials.put(p.pair_id, token);
      await context.writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, peer_credential: true });
      return viewOf(pairOf(p.pair_id));
    },
    list() {
      return [...pairs().values()].map(viewOf);
    },
    get(idOrDid) {
      return viewOf(pairOf(idOrDid));
    },
    async share(pairId, thread, shared = true) {
      const p = pairOf(pairId);
      if (p.state === 'revoked') throw context.revokedError(p);
      if (typeof thread !== 'string' || neverFederates(thread)) throw new FederationError('VALIDATION_FAILED', `thread ${String(thread).slice(0, 80)} never federates (reserved, or the pair-request thread)`, 'thread');
      if (!/^th_[0-9a-f]{64}$/.test(thread)) throw new FederationError('VALIDATION_FAILED', 'thread must be a thread id (th_ + 64 hex)', 'thread');
      const owner = kernel.threadOwner(thread);
      if (owner !== self) throw new FederationError('VALIDATION_FAILED', `thread ${thread} is owned by ${owner}; only its owner shares it`, 'thread');
      if (p.shared_threads.includes(thread) !== shared) await context.writePair({ topic: PAIR_TOPICS.threads, pair_id: p.pair_id, name: `${p.pair_id}/${thread}`, thread, shared });
      return viewOf(pairOf(p.pair_id));
    },
    async sync(pairId) {
      const p = pairOf(pairId);
      if (p.state === 'revoked') throw context.revokedError(p);
      if (p.state !== 'active') throw new FederationError('PAIR_NOT_ACTIVE', `pair ${p.pair_id} is ${p.state}; it syncs once active`, 'pair_id');
      if (p.role === 'initiator' && !p.handed_over) await initiator.handOver(p.pair_id).catch((e: unknown) => report(e, `federation_handover ${p.pair_id}`));
      return puller.sync(p, () => pairOf(p.pair_id));
    },
    async revoke(pairId, reason = 'revoked by the operator') {
      const p = pairOf(pairId);
      if (p.state === 'revoked') return { ...viewOf(p), peer_notified: false };
      const why = String(reason).slice(0, 500);
      await context.writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, state: 'revoked', reason: why, revoked_by: 'local' });
      // The peer's tokens stop working now: its account and every token of it are revoked.
      if (p.issued_sa) await revokeAccount(p.issued_sa);
      let notified = false;
      const token = credentials.get(p.pair_id);
      if (token) {
        try {
          const notice = signMessage({ object: 'pair_revoke', pair_id: p.pair_id, from: self, reason: why, at: stamp() }, sign);
          const res = await context.peer.call(`${p.peer_url}/v1/federation/notify-revoke`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(notice),
            timeoutMs: REVOKE_NOTICE_TIMEOUT_MS,
          });
          notified = res.ok;
          await res.body?.cancel();
        } catch (e) {
          report(e, 'federation_revoke_notice');
        }
      }
      credentials.remove(p.pair_id);
      initiator.forget(p.pair_id);
      return { ...viewOf(pairOf(p.pair_id)), peer_notified: notified };
    },
    async peerRevoked(principal, body) {
      const p = pairOfPrincipal(principal);
      const notice = (typeof body === 'object' && body !== null ? body : {}) as { [k: string]: unknown };
      const key = instancePublicKey(p.peer_did) as string;
      if (notice.object !== 'pair_revoke' || notice.pair_id !== p.pair_id || notice.from !== p.peer_did || !verifyMessage(notice, key)) {
        throw new FederationError('BAD_SIGNATURE', `a revocation notice must be signed by ${p.peer_did} and name pair ${p.pair_id}`, 'sig');
      }
      const reason = typeof notice.reason === 'string' ? notice.reason.slice(0, 500) : 'revoked by the peer';
      await context.writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, state: 'revoked', reason, revoked_by: 'peer' });
      if (p.issued_sa) await revokeAccount(p.issued_sa);
      credentials.remove(p.pair_id);
      return viewOf(pairOf(p.pair_id));
    },
    async changes(principal, since, limit, thread): Promise<ChangePage> {
      const p = pairOfPrincipal(principal);
      const q = feedQuery(since, limit);
      // The peer reads its own threads' records written here, and the threads shared with it.
      const allowed = new Set([...p.shared_threads, ...p.received_threads]);
      if (thread !== undefined && !allowed.has(thread)) throw new FederationError('VALIDATION_FAILED', `thread ${thread.slice(0, 80)} is not shared with pair ${p.pair_id}`, 'thread');
      const page = await readChanges(kernel, (t) => allowed.has(t), q, q.limit, (r) => vouch(r, self, sign), thread);
      return { ...page, shared: p.shared_marks };
    },
    start() {
      // Signed now, so the first peer to ask gets a manifest as fresh as this start.
      this.wellKnown();
      const lastPull = new Map<string, number>();
      const round = () => {
        // On a shared log every kernel would pull the same records; the leader pulls for all, and
        // a kernel that becomes leader picks up what a restart cut short.
        if (!kernel.health().leader) return;
        if (!resumed) {
          resumed = true;
          void resume();
        }
        const every = syncEveryMs();
        if (every <= 0) return;
        for (const p of pairs().values()) {
          if (p.state !== 'active' || !p.peer_credential) continue;
          // A pair seen for the first time (at start, or just paired) is pulled one interval later.
          if (!lastPull.has(p.pair_id)) lastPull.set(p.pair_id, now());
          if (now() - (lastPull.get(p.pair_id) as number) < every) continue;
          const waiting = p.role === 'initiator' && !p.handed_over;
          if (waiting && !initiator.due(p.pair_id)) continue;
          lastPull.set(p.pair_id, now());
          const handover = waiting ? initiator.handOver(p.pair_id) : Promise.resolve();
          handover.then(() => puller.sync(p, () => pairOf(p.pair_id))).catch((e: unknown) => report(e, `federation_sync ${p.pair_id}`));
        }
      };
      round();
      if (interval) return;
      // A short beat, so a changed interval (config) takes effect within seconds, and resuming runs even when pulling is on demand only.
      interval = setInterval(round, SYNC_BEAT_MS);
      interval.unref?.();
    },
    async stop() {
      if (interval) clearInterval(interval);
      initiator.stop();
      await puller.idle();
    },
  };
}
