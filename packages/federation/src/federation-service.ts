import { randomBytes } from 'node:crypto';
import { instancePublicKey, type JsonObject, type StoredRecord } from '@syncropel/algebra';
import { isAuthError, type Principal } from '@syncropel/auth';
import { FEDERATION_PAIRS_THREAD } from '@syncropel/kernel';
import { feedQuery, readChanges, vouch, type ChangePage } from './change-feed.js';
import { PAIR_REQUESTS_THREAD, neverFederates } from './federated-threads.js';
import { FederationError } from './federation-error.js';
import { baseUrl, checkPairRequest, checkPoll, isHttpUrl, nonceHash, type PairRequest } from './handshake.js';
import { MANIFEST_TTL_MS, signManifest, verifyManifest, type WellKnown } from './manifest.js';
import { PAIR_TOPICS, emptyPairs, pairsCodec, stepPairs, type Pair, type PairsState } from './pair-fold.js';
import { isPairId, pairIdOf } from './pair-id.js';
import { Puller } from './puller.js';
import { signMessage, verifyMessage } from './signed-message.js';
import {
  CREDENTIAL_SLOT_MS,
  DEFAULT_SYNC_INTERVAL_MS,
  FEDERATION_SYNC_SCOPE,
  HANDOVER_BACKOFF_MAX_MS,
  MAX_PENDING_PAIR_REQUESTS,
  PAIR_REQUEST_PAUSE_MS,
  PAIR_REQUEST_TTL_MS,
  PAIR_POLL_EVERY_MS,
  PAIR_POLL_WINDOW_MS,
  type Federation,
  type FederationOptions,
  type PairAnswer,
  type PairView,
} from './federation-api.js';

/** The config topic of rules that approve pair requests without the operator: `{topic, name, expression}` (CEL over `record`, the request). */
export const PAIR_RULE_TOPIC = 'federation_pair_rule';

/** How long an outbound federation call may take. */
export const PEER_TIMEOUT_MS = 30_000;

/** Creates the federation layer over a kernel and auth (before `kernel.start()`). */
export function createFederation(options: FederationOptions): Federation {
  const { kernel, auth, identity, sign, credentials } = options;
  const self = identity.did;
  const now = options.now ?? Date.now;
  const fetcher = options.fetch ?? fetch;
  const report = options.onError ?? (() => undefined);
  const view = kernel.attach<PairsState>({ initial: emptyPairs, step: (s, r) => stepPairs(s, r, self) }, pairsCodec);
  const pairs = () => view.get().pairs;
  /** DIDs of this instance's principals: its service accounts and the DIDs they may write as. */
  const localDids = (): ReadonlySet<string> => new Set(auth.listServiceAccounts().flatMap((sa) => [`did:sync:sa:${sa.sa_id}`, ...sa.actors]));
  const puller = new Puller({ kernel, self, fetcher, now, credentials, write: (body) => writePair(body), localDids, onError: report });
  /** Nonce hashes of requests being taken in (before their record lands): two copies of one request cannot both pass. */
  const admitting = new Set<string>();
  /** One handover at a time per pair, and when the next may be tried after a failure. */
  const handovers = new Map<string, Promise<void>>();
  const handoverBackoff = new Map<string, { failures: number; next: number }>();
  let resumed = false;
  /** Tokens minted for initiators whose poll has not collected them yet (one-shot). */
  const slots = new Map<string, { token: string; until: number }>();
  /** Initiator: the nonce of each handshake in flight (only this process can poll for it). */
  const nonces = new Map<string, string>();
  const polls = new Set<ReturnType<typeof setTimeout>>();
  let interval: ReturnType<typeof setInterval> | undefined;
  let signed: WellKnown | undefined;
  let stopped = false;

  const stamp = () => new Date(now()).toISOString();
  function writePair(body: JsonObject): Promise<unknown> {
    return kernel.emit(self, { thread: FEDERATION_PAIRS_THREAD, act: 'LEARN', body: { name: String(body.pair_id), ...body, at: stamp() } });
  }

  function pairOf(idOrDid: string): Pair {
    const p = pairs().get(idOrDid) ?? [...pairs().values()].find((x) => x.peer_did === idOrDid);
    if (!p) throw new FederationError('NOT_FOUND', `no pair ${idOrDid.slice(0, 80)} (spl federation list shows the pairs)`, 'pair_id');
    return p;
  }
  const viewOf = ({ nonce_sha256: _nonce, ...p }: Pair): PairView => ({ ...p, sync: puller.status(p.pair_id) });
  const revokedError = (p: Pair) => new FederationError('PAIR_REVOKED', `pair ${p.pair_id} was revoked${p.revoked_by === 'peer' ? ' by the peer' : ''}${p.revoked_reason ? ` (${p.revoked_reason})` : ''}; revocation is final`, 'pair_id');

  /** The pair a peer's token belongs to; refuses a pair that is not active. */
  function pairOfPrincipal(principal: Principal): Pair {
    auth.authorize(principal, FEDERATION_SYNC_SCOPE as never);
    const p = [...pairs().values()].find((x) => x.issued_sa === principal.sa_id);
    if (!p) throw new FederationError('NOT_FOUND', `service account ${principal.sa_id} belongs to no pair`, 'authorization');
    if (p.state === 'revoked') throw revokedError(p);
    if (p.state !== 'active') throw new FederationError('PAIR_NOT_ACTIVE', `pair ${p.pair_id} is ${p.state}`, 'pair_id');
    return p;
  }

  async function peerCall(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
    try {
      return await fetcher(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? PEER_TIMEOUT_MS), redirect: 'error' });
    } catch (e) {
      throw new FederationError('PEER_UNREACHABLE', `${url}: ${(e as Error).message}`, 'url');
    }
  }

  async function peerJson(res: Response, what: string): Promise<{ [k: string]: unknown }> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new FederationError('PEER_UNREACHABLE', `${what}: the peer answered ${res.status} without JSON`, 'url');
    }
    if (!res.ok) {
      const err = (body as { error?: { code?: string; message?: string } }).error;
      const passed = ['PAIR_REVOKED', 'PAIR_REJECTED', 'ALREADY_PAIRED', 'NONCE_REPLAYED', 'TOO_MANY_PENDING'] as const;
      const code = passed.find((c) => c === err?.code) ?? 'PEER_UNREACHABLE';
      throw new FederationError(code, `${what}: the peer answered ${res.status} ${err?.code ?? ''}: ${String(err?.message ?? '').slice(0, 300)}`, 'url');
    }
    return body as { [k: string]: unknown };
  }

  /**
   * Mints (or reuses) the service account for a peer and a fresh token limited to federation. The
   * account's earlier tokens are revoked first: a peer holds one live token, and one whose handover
   * failed (its plaintext is gone) must not stay valid.
   */
  async function mintForPeer(p: { pair_id: string; peer_did: string }): Promise<{ sa: string; tokenId: string; bearer: string }> {
    const sa = `fed-${p.pair_id.slice(4, 28)}`;
    try {
      await auth.createServiceAccount({ sa_id: sa, scopes: [FEDERATION_SYNC_SCOPE], description: `federation peer ${p.peer_did} (pair ${p.pair_id})` });
    } catch (e) {
      if (!(isAuthError(e) && e.code === 'ALREADY_EXISTS')) throw e;
    }
    for (const t of auth.listTokens(sa)) if (!t.revoked) await auth.revokeToken(t.token_id, 'replaced by a new federation token');
    const minted = await auth.mintToken(sa, { label: `federation ${p.pair_id}` });
    return { sa, tokenId: minted.token_id, bearer: minted.bearer };
  }

  /** Approvals in progress or done, by AITL request: the decision's broadcast and a rule's direct path must mint once. */
  const approvals = new Map<string, Promise<string>>();

  /** Responder: the operator (or a rule) approved; mint the initiator's token and hold it for its poll. */
  function approve(p: Pair): Promise<string> {
    const key = p.aitl_request ?? p.pair_id;
    let run = approvals.get(key);
    if (!run) {
      run = mintForInitiator(p);
      approvals.set(key, run);
      run.catch(() => approvals.delete(key));
    }
    return run;
  }

  async function mintForInitiator(p: Pair): Promise<string> {
    const minted = await mintForPeer(p);
    await writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, state: 'active', issued_sa: minted.sa, issued_token_id: minted.tokenId });
    slots.set(p.pair_id, { token: minted.bearer, until: now() + CREDENTIAL_SLOT_MS });
    return minted.bearer;
  }

  /**
   * Initiator: the responder handed a token; keep it, then mint one for the responder and hand it
   * over. A failed handover leaves the pair active without `handed_over`; it is tried again on
   * every sync and interval (with a new token: the old one's plaintext is gone).
   */
  async function established(pairId: string, token: string): Promise<void> {
    credentials.put(pairId, token);
    nonces.delete(pairId);
    await writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, state: 'active', peer_credential: true, handed_over: false });
    await handOver(pairId).catch((e: unknown) => report(e, `federation_handover ${pairId}`));
  }

  /** Initiator: hands the responder its token, one attempt at a time per pair. */
  function handOver(pairId: string): Promise<void> {
    let run = handovers.get(pairId);
    if (!run) {
      run = handOverOnce(pairId).then(
        () => void handoverBackoff.delete(pairId),
        async (e: unknown) => {
          const code = (e as FederationError).code;
          // The responder revoked the pair (its notice never arrived): that is final here too.
          if (code === 'PAIR_REVOKED') await writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, state: 'revoked', reason: 'the peer revoked the pair', revoked_by: 'peer' });
          const failures = (handoverBackoff.get(pairId)?.failures ?? 0) + 1;
          handoverBackoff.set(pairId, { failures, next: now() + Math.min(HANDOVER_BACKOFF_MAX_MS, 30_000 * 2 ** (failures - 1)) });
          throw e;
        },
      );
      handovers.set(pairId, run);
      void run.catch(() => undefined).finally(() => handovers.delete(pairId));
    }
    return run;
  }

  /** Mints the responder's token and hands it over (`/pair/:id/confirm`, authenticated by the responder's token). */
  async function handOverOnce(pairId: string): Promise<void> {
    const p = pairOf(pairId);
    const token = credentials.get(pairId);
    if (p.state !== 'active' || !token) return;
    const minted = await mintForPeer(p);
    await writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, issued_sa: minted.sa, issued_token_id: minted.tokenId });
    const res = await peerCall(`${p.peer_url}/v1/federation/pair/${pairId}/confirm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: minted.bearer }),
    });
    await peerJson(res, 'handing the pair token over');
    await writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, handed_over: true });
  }

  /** Work a restart may have cut short: decisions taken while no process acted on them, handovers that failed. */
  async function resume(): Promise<void> {
    const pending = new Set(kernel.pendingDecisions().map((d) => d.id));
    for (const p of [...pairs().values()]) {
      // One pair's unreachable peer must not keep the others waiting.
      try {
        if (p.role === 'responder' && p.state === 'establishing' && p.aitl_request && !pending.has(p.aitl_request)) {
          const answer = await decisionOf(p.aitl_request);
          if (answer === 'approve') await approve(p);
          else if (answer === 'reject') await writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, state: 'rejected' });
        }
        if (p.role === 'initiator' && p.state === 'active' && !p.handed_over) await handOver(p.pair_id);
      } catch (e) {
        report(e, `federation_resume ${p.pair_id}`);
      }
    }
  }

  /** Whether a decision on the pair-request thread was made here (the instance, or one of its principals). */
  const decidedHere = (r: StoredRecord) => r.actor === self || localDids().has(r.actor);

  /** How the operator (or TICK's expiry) answered a pair request, read from the log. */
  async function decisionOf(request: string): Promise<'approve' | 'reject' | undefined> {
    for (let after = 0; ; ) {
      const page = await kernel.records({ thread: PAIR_REQUESTS_THREAD, after, limit: 1000 });
      for (const r of page) {
        if (r.act !== 'DO' || !decidedHere(r)) continue;
        if (r.body.fulfills === request) return 'approve';
        if (r.body.cancels === request) return 'reject';
      }
      if (page.length < 1000) return undefined;
      after = (page[page.length - 1] as StoredRecord).seq;
    }
  }

  /** Initiator: polls the responder until its operator decides (or the window closes). */
  function pollLater(pairId: string, nonce: string, until: number): void {
    if (stopped) return;
    const timer = setTimeout(async () => {
      polls.delete(timer);
      const p = pairs().get(pairId);
      if (!p || p.state !== 'establishing' || nonces.get(pairId) !== nonce) return;
      try {
        // Signed, so a nonce seen in transit (a proxy's log) does not let anyone else collect the token.
        const poll = signMessage({ object: 'pair_poll', pair_id: pairId, nonce, at: stamp() }, sign);
        const res = await peerCall(`${p.peer_url}/v1/federation/pair/${pairId}/poll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(poll) });
        if (res.status === 202) {
          await res.body?.cancel();
          if (now() < until) pollLater(pairId, nonce, until);
          else report(new Error(`pair ${pairId}: the peer's operator did not decide within ${PAIR_POLL_WINDOW_MS / 60_000} minutes; run spl federation pair again`), 'federation_poll');
          return;
        }
        const body = await peerJson(res, 'polling the pair request');
        if (body.state === 'active' && typeof body.token === 'string') await established(pairId, body.token);
      } catch (e) {
        if ((e as FederationError).code === 'PAIR_REJECTED') {
          nonces.delete(pairId);
          await writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, state: 'rejected' }).catch((w: unknown) => report(w, 'federation_poll'));
        } else if (now() < until) pollLater(pairId, nonce, until);
        report(e, 'federation_poll');
      }
    }, PAIR_POLL_EVERY_MS);
    timer.unref?.();
    polls.add(timer);
  }

  /** Responder: answers to pair requests decided by the operator (`spl aitl approve|reject`). */
  kernel.subscribe((records) => {
    // On a shared log every kernel sees the decision; the leader acts on it, once.
    if (!kernel.health().leader) return;
    for (const r of records) {
      if (r.thread !== PAIR_REQUESTS_THREAD || r.act !== 'DO' || !decidedHere(r)) continue;
      const ref = typeof r.body.fulfills === 'string' ? r.body.fulfills : typeof r.body.cancels === 'string' ? r.body.cancels : undefined;
      const p = ref && [...pairs().values()].find((x) => x.aitl_request === ref && x.state === 'establishing');
      if (!p) continue;
      const work = typeof r.body.fulfills === 'string' ? approve(p) : writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, state: 'rejected' });
      work.catch((e: unknown) => report(e, 'federation_decision'));
    }
  });

  /** Responder: a checked pair request whose nonce is reserved: hold it for the operator, or approve it by rule. */
  async function takeRequest(request: PairRequest, hash: string): Promise<PairAnswer> {
    const pairId = pairIdOf(self, request.initiator_did);
    const existing = pairs().get(pairId);
    if (existing?.state === 'revoked') throw revokedError(existing);
    // A pair whose token never reached the initiator (its poll came too late, or this process
    // restarted) may start over; one both sides hold is paired.
    if (existing?.state === 'active' && existing.peer_credential && existing.handed_over) throw new FederationError('ALREADY_PAIRED', `already paired with ${request.initiator_did} (${pairId})`, 'initiator_did');
    // Each request writes records, and keys are free: one initiator may ask again only after a pause.
    if (existing?.role === 'responder' && existing.state === 'establishing' && now() - Date.parse(existing.updated_at) < PAIR_REQUEST_PAUSE_MS) {
      throw new FederationError('TOO_MANY_PENDING', `a pair request from ${request.initiator_did} arrived less than ${PAIR_REQUEST_PAUSE_MS / 1000} s ago; wait before asking again`, 'initiator_did');
    }
    const waiting = [...pairs().values()].filter((p) => p.role === 'responder' && p.state === 'establishing' && p.pair_id !== pairId).length;
    if (waiting >= MAX_PENDING_PAIR_REQUESTS) {
      throw new FederationError('TOO_MANY_PENDING', `${waiting} pair requests already wait for this instance's operator; try again once they are decided (or expire)`, 'initiator_did');
    }
    const peerUrl = baseUrl(request.initiator_url);
    // The same initiator asking again (a new nonce) while its request waits: one record, the same decision.
    const waitingRequest = existing?.role === 'responder' && existing.state === 'establishing' && existing.peer_url === peerUrl ? existing.aitl_request : null;
    if (waitingRequest && kernel.pendingDecisions().some((d) => d.id === waitingRequest)) {
      await writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, nonce_sha256: hash });
      return { status: 202, body: { pair_id: pairId, state: 'establishing', aitl_request_id: waitingRequest } };
    }
    await writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, peer_did: request.initiator_did, peer_url: peerUrl, role: 'responder', state: 'establishing', nonce_sha256: hash, peer_credential: false, handed_over: false });
    const asked = await kernel.emit(self, {
      thread: PAIR_REQUESTS_THREAD,
      act: 'KNOW',
      body: {
        awaits: 'actor_decision',
        summary: `federation pair request from ${request.initiator_did} at ${request.initiator_url}`,
        // Undecided requests expire (TICK cancels them), so they never pile up.
        expires_at: new Date(now() + PAIR_REQUEST_TTL_MS).toISOString(),
        aitl: { kind: 'federation_pair', pair_id: pairId, peer_did: request.initiator_did, peer_url: peerUrl },
      },
    });
    await writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, aitl_request: asked.record.id });
    // A request this one supersedes leaves the operator's list (approving it would do nothing).
    const superseded = existing?.state === 'establishing' ? existing.aitl_request : null;
    if (superseded && kernel.pendingDecisions().some((d) => d.id === superseded)) {
      await kernel.emit(self, { thread: PAIR_REQUESTS_THREAD, act: 'DO', parents: [superseded], body: { cancels: superseded, decision: 'reject', reason: `superseded by the pair request ${asked.record.id}`, decided_by: self } });
    }
    const rule = ruleApproves(asked.record);
    if (!rule) return { status: 202, body: { pair_id: pairId, state: 'establishing', aitl_request_id: asked.record.id } };
    await kernel.emit(self, { thread: PAIR_REQUESTS_THREAD, act: 'DO', parents: [asked.record.id], body: { fulfills: asked.record.id, decision: 'approve', reason: `approved by ${PAIR_RULE_TOPIC} ${rule}`, decided_by: self } });
    const token = await approve(pairOf(pairId));
    slots.delete(pairId);
    await writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, handed_over: true });
    return { status: 200, body: { pair_id: pairId, state: 'active', token, responder_did: self } };
  }

  /** Whether a pair rule approves this request record (a rule that fails to evaluate approves nothing). */
  function ruleApproves(request: StoredRecord): string | undefined {
    for (const entry of kernel.config()) {
      if (entry.topic !== PAIR_RULE_TOPIC || typeof entry.body.expression !== 'string') continue;
      const outcome = kernel.expression('aitl', entry.body.expression, { record: request });
      if (outcome.ok && outcome.value === true) return entry.name;
      if (!outcome.ok) report(new Error(`${PAIR_RULE_TOPIC} ${entry.name}: ${outcome.error.message}`), 'federation_rule');
    }
    return undefined;
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
      if (typeof url !== 'string' || !isHttpUrl(baseUrl(url))) throw new FederationError('VALIDATION_FAILED', 'url must be the http(s) base URL of the peer, e.g. https://peer.example.com:9100', 'url');
      const base = baseUrl(url);
      const res = await peerCall(`${base}/.well-known/syncropel`);
      const peer = verifyManifest(await peerJson(res, 'fetching the peer manifest'), now(), opts.strict !== false);
      if (peer.did === self) throw new FederationError('VALIDATION_FAILED', `${base} is this instance itself`, 'url');
      const pairId = pairIdOf(self, peer.did);
      const existing = pairs().get(pairId);
      if (existing?.state === 'revoked') throw revokedError(existing);
      if (existing?.state === 'active') throw new FederationError('ALREADY_PAIRED', `already paired with ${peer.did} (${pairId})`, 'url');
      const nonce = randomBytes(32).toString('hex');
      const request = signMessage(
        { object: 'pair_request', protocol: '1', initiator_did: self, initiator_url: baseUrl(options.publicUrl()), responder_did: peer.did, nonce, issued_at: stamp() },
        sign,
      );
      await writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, peer_did: peer.did, peer_url: base, role: 'initiator', state: 'establishing', nonce_sha256: nonceHash(nonce), peer_credential: false });
      nonces.set(pairId, nonce);
      const answer = await peerJson(
        await peerCall(`${base}/v1/federation/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) }),
        'sending the pair request',
      );
      if (answer.state === 'active' && typeof answer.token === 'string') await established(pairId, answer.token);
      else pollLater(pairId, nonce, now() + PAIR_POLL_WINDOW_MS);
      return viewOf(pairOf(pairId));
    },
    async receivePairRequest(body) {
      const request = checkPairRequest(body, self, now());
      const hash = nonceHash(request.nonce);
      // Checked and reserved in one tick: two copies of a request sent at once cannot both pass.
      if (view.get().nonces.has(hash) || admitting.has(hash)) throw new FederationError('NONCE_REPLAYED', 'this pair request was received before (nonces are single-use); send a new one', 'nonce');
      admitting.add(hash);
      try {
        return await takeRequest(request, hash);
      } finally {
        admitting.delete(hash);
      }
    },
    async poll(pairId, body) {
      const p = isPairId(pairId) ? pairs().get(pairId) : undefined;
      const nonce = checkPoll(body, pairId, p?.peer_did, now());
      // The same answer for a wrong nonce and an unknown pair: a poll reveals nothing to a guesser.
      if (!p || p.role !== 'responder' || p.nonce_sha256 !== nonceHash(nonce)) {
        throw new FederationError('NOT_FOUND', 'no pair request with this id and nonce', 'nonce');
      }
      if (p.state === 'revoked') throw revokedError(p);
      if (p.state === 'rejected') throw new FederationError('PAIR_REJECTED', `the operator of ${self} rejected the pair request`, 'pair_id');
      if (p.state === 'establishing') return { status: 202, body: { pair_id: p.pair_id, state: 'establishing', aitl_request_id: p.aitl_request } };
      const slot = slots.get(p.pair_id);
      slots.delete(p.pair_id);
      if (!slot || slot.until < now()) throw new FederationError('GONE', 'the credential for this pair was already collected (or expired); pair again', 'pair_id');
      await writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, handed_over: true });
      return { status: 200, body: { pair_id: p.pair_id, state: 'active', token: slot.token, responder_did: self } };
    },
    async confirm(principal, pairId, body) {
      const p = pairOfPrincipal(principal);
      if (p.pair_id !== pairId) throw new FederationError('NOT_FOUND', `this token belongs to pair ${p.pair_id}, not ${pairId.slice(0, 80)}`, 'pair_id');
      const token = (body as { token?: unknown } | null)?.token;
      if (typeof token !== 'string' || !/^spl_[a-z0-9]+_[a-z0-9-]+_\S+$/.test(token) || token.length > 512) throw new FederationError('VALIDATION_FAILED', 'token must be the bearer the initiator minted for this instance', 'token');
      credentials.put(p.pair_id, token);
      await writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, peer_credential: true });
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
      if (p.state === 'revoked') throw revokedError(p);
      if (typeof thread !== 'string' || neverFederates(thread)) throw new FederationError('VALIDATION_FAILED', `thread ${String(thread).slice(0, 80)} never federates (reserved, or the pair-request thread)`, 'thread');
      if (!/^th_[0-9a-f]{64}$/.test(thread)) throw new FederationError('VALIDATION_FAILED', 'thread must be a thread id (th_ + 64 hex)', 'thread');
      const owner = kernel.threadOwner(thread);
      if (owner !== self) throw new FederationError('VALIDATION_FAILED', `thread ${thread} is owned by ${owner}; only its owner shares it`, 'thread');
      if (p.shared_threads.includes(thread) !== shared) await writePair({ topic: PAIR_TOPICS.threads, pair_id: p.pair_id, name: `${p.pair_id}/${thread}`, thread, shared });
      return viewOf(pairOf(p.pair_id));
    },
    async sync(pairId) {
      const p = pairOf(pairId);
      if (p.state === 'revoked') throw revokedError(p);
      if (p.state !== 'active') throw new FederationError('PAIR_NOT_ACTIVE', `pair ${p.pair_id} is ${p.state}; it syncs once active`, 'pair_id');
      if (p.role === 'initiator' && !p.handed_over) await handOver(p.pair_id).catch((e: unknown) => report(e, `federation_handover ${p.pair_id}`));
      return puller.sync(p, () => pairOf(p.pair_id));
    },
    async revoke(pairId, reason = 'revoked by the operator') {
      const p = pairOf(pairId);
      if (p.state === 'revoked') return { ...viewOf(p), peer_notified: false };
      await writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, state: 'revoked', reason: String(reason).slice(0, 500), revoked_by: 'local' });
      // The peer's tokens stop working now: its account and every token of it are revoked.
      if (p.issued_sa) await revokeAccount(p.issued_sa);
      let notified = false;
      const token = credentials.get(p.pair_id);
      if (token) {
        try {
          const notice = signMessage({ object: 'pair_revoke', pair_id: p.pair_id, from: self, reason: String(reason).slice(0, 500), at: stamp() }, sign);
          const res = await peerCall(`${p.peer_url}/v1/federation/notify-revoke`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(notice), timeoutMs: 5000 });
          notified = res.ok;
          await res.body?.cancel();
        } catch (e) {
          report(e, 'federation_revoke_notice');
        }
      }
      credentials.remove(p.pair_id);
      nonces.delete(p.pair_id);
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
      await writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, state: 'revoked', reason, revoked_by: 'peer' });
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
      const every = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
      const round = () => {
        // On a shared log every kernel would pull the same records; the leader pulls for all, and
        // a kernel that becomes leader picks up what a restart cut short.
        if (!kernel.health().leader) return;
        if (!resumed) {
          resumed = true;
          void resume().catch((e: unknown) => report(e, 'federation_resume'));
        }
        if (every <= 0) return;
        for (const p of pairs().values()) {
          if (p.state !== 'active' || !p.peer_credential) continue;
          const waiting = p.role === 'initiator' && !p.handed_over;
          if (waiting && (handoverBackoff.get(p.pair_id)?.next ?? 0) > now()) continue;
          const handover = waiting ? handOver(p.pair_id) : Promise.resolve();
          handover.then(() => puller.sync(p, () => pairOf(p.pair_id))).catch((e: unknown) => report(e, `federation_sync ${p.pair_id}`));
        }
      };
      round();
      if (interval) return;
      // Resuming needs the interval even when pulling is on demand only.
      interval = setInterval(round, every > 0 ? every : DEFAULT_SYNC_INTERVAL_MS);
      interval.unref?.();
    },
    async stop() {
      stopped = true;
      if (interval) clearInterval(interval);
      for (const t of polls) clearTimeout(t);
      polls.clear();
      await puller.idle();
    },
  };

  async function revokeAccount(sa: string): Promise<void> {
    try {
      await auth.revokeServiceAccount(sa);
    } catch (e) {
      if (!(isAuthError(e) && e.code === 'NOT_FOUND')) throw e;
    }
  }
}
