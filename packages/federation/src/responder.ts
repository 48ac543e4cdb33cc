import type { StoredRecord } from '@syncropel/algebra';
import { CREDENTIAL_SLOT_MS, MAX_PENDING_PAIR_REQUESTS, PAIR_REQUEST_PAUSE_MS, PAIR_REQUEST_TTL_MS, type PairAnswer } from './federation-api.js';
import type { FederationContext } from './federation-context.js';
import { PAIR_REQUESTS_THREAD } from './federated-threads.js';
import { FederationError } from './federation-error.js';
import { baseUrl, checkPairRequest, checkPoll, nonceHash, type PairRequest } from './handshake.js';
import { PAIR_TOPICS, type Pair } from './pair-fold.js';
import { isPairId, pairIdOf } from './pair-id.js';

/** The config topic of rules that approve pair requests without the operator: `{topic, name, expression}` (CEL over `record`, the request). */
export const PAIR_RULE_TOPIC = 'federation_pair_rule';

/**
 * The responder's side of the handshake: takes signed pair requests (single-use nonces, a
 * bounded number waiting), holds each for the operator as an AITL request on the pair-request
 * thread unless a pair rule approves it, mints the initiator's token once approved and hands it
 * to the initiator's signed poll, once.
 */
export class Responder {
  /** Nonce hashes of requests being taken in (before their record lands): two copies of one request cannot both pass. */
  private readonly admitting = new Set<string>();
  /** Approvals in progress or done, by AITL request: the decision's broadcast and a rule's direct path must mint once. */
  private readonly approvals = new Map<string, Promise<string>>();
  /** Tokens minted for initiators whose poll has not collected them yet (one-shot). */
  private readonly slots = new Map<string, { token: string; until: number }>();

  constructor(private readonly c: FederationContext) {
    // Decisions made with `spl aitl approve|reject` (or TICK's expiry) arrive as records.
    c.kernel.subscribe((records) => this.decided(records));
  }

  /** A peer's pair request: 202 while the operator decides, 200 with a token when a rule approves it. */
  async receive(body: unknown): Promise<PairAnswer> {
    const request = checkPairRequest(body, this.c.self, this.c.now());
    const hash = nonceHash(request.nonce);
    // Checked and reserved in one tick: two copies of a request sent at once cannot both pass.
    if (this.c.state().nonces.has(hash) || this.admitting.has(hash)) throw new FederationError('NONCE_REPLAYED', 'this pair request was received before (nonces are single-use); send a new one', 'nonce');
    this.admitting.add(hash);
    try {
      return await this.take(request, hash);
    } finally {
      this.admitting.delete(hash);
    }
  }

  /** The initiator's signed poll: 202 while undecided, the token once (then GONE). */
  async poll(pairId: string, body: unknown): Promise<PairAnswer> {
    const { self, now } = this.c;
    const p = isPairId(pairId) ? this.c.state().pairs.get(pairId) : undefined;
    const nonce = checkPoll(body, pairId, p?.peer_did, now());
    // The same answer for a wrong nonce and an unknown pair: a poll reveals nothing to a guesser.
    if (!p || p.role !== 'responder' || p.nonce_sha256 !== nonceHash(nonce)) throw new FederationError('NOT_FOUND', 'no pair request with this id and nonce', 'nonce');
    if (p.state === 'revoked') throw this.c.revokedError(p);
    if (p.state === 'rejected') throw new FederationError('PAIR_REJECTED', `the operator of ${self} rejected the pair request`, 'pair_id');
    if (p.state === 'establishing') return { status: 202, body: { pair_id: p.pair_id, state: 'establishing', aitl_request_id: p.aitl_request } };
    const slot = this.slots.get(p.pair_id);
    this.slots.delete(p.pair_id);
    if (!slot || slot.until < now()) throw new FederationError('GONE', 'the credential for this pair was already collected (or expired); pair again', 'pair_id');
    await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, handed_over: true });
    return { status: 200, body: { pair_id: p.pair_id, state: 'active', token: slot.token, responder_did: self } };
  }

  /** Decisions taken while no process acted on them (a restart between the decision and the mint). */
  async resume(p: Pair, pending: ReadonlySet<string>): Promise<void> {
    if (p.role !== 'responder' || p.state !== 'establishing' || !p.aitl_request || pending.has(p.aitl_request)) return;
    const answer = await this.decisionOf(p.aitl_request);
    if (answer === 'approve') await this.approve(p);
    else if (answer === 'reject') await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, state: 'rejected' });
  }

  /** A checked pair request whose nonce is reserved: hold it for the operator, or approve it by rule. */
  private async take(request: PairRequest, hash: string): Promise<PairAnswer> {
    const { kernel, self, now } = this.c;
    const pairs = this.c.state().pairs;
    const pairId = pairIdOf(self, request.initiator_did);
    const existing = pairs.get(pairId);
    if (existing?.state === 'revoked') throw this.c.revokedError(existing);
    // A pair whose token never reached the initiator (its poll came too late, or this process
    // restarted) may start over; one both sides hold is paired.
    if (existing?.state === 'active' && existing.peer_credential && existing.handed_over) throw new FederationError('ALREADY_PAIRED', `already paired with ${request.initiator_did} (${pairId})`, 'initiator_did');
    // Each request writes a record, and keys are free: one initiator may ask again only after a pause.
    if (existing?.role === 'responder' && existing.state === 'establishing' && now() - Date.parse(existing.updated_at) < PAIR_REQUEST_PAUSE_MS) {
      throw new FederationError('TOO_MANY_PENDING', `a pair request from ${request.initiator_did} arrived less than ${PAIR_REQUEST_PAUSE_MS / 1000} s ago; wait before asking again`, 'initiator_did');
    }
    const waiting = [...pairs.values()].filter((p) => p.role === 'responder' && p.state === 'establishing' && p.pair_id !== pairId).length;
    if (waiting >= MAX_PENDING_PAIR_REQUESTS) {
      throw new FederationError('TOO_MANY_PENDING', `${waiting} pair requests already wait for this instance's operator; try again once they are decided (or expire)`, 'initiator_did');
    }
    const peerUrl = baseUrl(request.initiator_url);
    // The same initiator asking again (a new nonce) while its request waits: one record, the same decision.
    const waitingRequest = existing?.role === 'responder' && existing.state === 'establishing' && existing.peer_url === peerUrl ? existing.aitl_request : null;
    if (waitingRequest && kernel.pendingDecisions().some((d) => d.id === waitingRequest)) {
      await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, nonce_sha256: hash });
      return { status: 202, body: { pair_id: pairId, state: 'establishing', aitl_request_id: waitingRequest } };
    }
    await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, peer_did: request.initiator_did, peer_url: peerUrl, role: 'responder', state: 'establishing', nonce_sha256: hash, peer_credential: false, handed_over: false });
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
    await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, aitl_request: asked.record.id });
    // A request this one supersedes leaves the operator's list (approving it would do nothing).
    const superseded = existing?.state === 'establishing' ? existing.aitl_request : null;
    if (superseded && kernel.pendingDecisions().some((d) => d.id === superseded)) {
      await kernel.emit(self, { thread: PAIR_REQUESTS_THREAD, act: 'DO', parents: [superseded], body: { cancels: superseded, decision: 'reject', reason: `superseded by the pair request ${asked.record.id}`, decided_by: self } });
    }
    const rule = this.ruleApproves(asked.record);
    if (!rule) return { status: 202, body: { pair_id: pairId, state: 'establishing', aitl_request_id: asked.record.id } };
    await kernel.emit(self, { thread: PAIR_REQUESTS_THREAD, act: 'DO', parents: [asked.record.id], body: { fulfills: asked.record.id, decision: 'approve', reason: `approved by ${PAIR_RULE_TOPIC} ${rule}`, decided_by: self } });
    const token = await this.approve(this.c.pairOf(pairId));
    this.slots.delete(pairId);
    await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, handed_over: true });
    return { status: 200, body: { pair_id: pairId, state: 'active', token, responder_did: self } };
  }

  /** The operator (or a rule) approved: mint the initiator's token once and hold it for its poll. */
  private approve(p: Pair): Promise<string> {
    const key = p.aitl_request ?? p.pair_id;
    let run = this.approvals.get(key);
    if (!run) {
      run = this.mintForInitiator(p);
      this.approvals.set(key, run);
      run.catch(() => this.approvals.delete(key));
    }
    return run;
  }

  private async mintForInitiator(p: Pair): Promise<string> {
    const minted = await this.c.mintForPeer(p);
    await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, state: 'active', issued_sa: minted.sa, issued_token_id: minted.tokenId });
    this.slots.set(p.pair_id, { token: minted.bearer, until: this.c.now() + CREDENTIAL_SLOT_MS });
    return minted.bearer;
  }

  /** Acts on decisions about pair requests as they are committed. */
  private decided(records: readonly StoredRecord[]): void {
    // On a shared log every kernel sees the decision; the leader acts on it, once.
    if (!this.c.kernel.health().leader) return;
    for (const r of records) {
      if (r.thread !== PAIR_REQUESTS_THREAD || r.act !== 'DO' || !this.decidedHere(r)) continue;
      const ref = typeof r.body.fulfills === 'string' ? r.body.fulfills : typeof r.body.cancels === 'string' ? r.body.cancels : undefined;
      const p = ref && [...this.c.state().pairs.values()].find((x) => x.aitl_request === ref && x.state === 'establishing');
      if (!p) continue;
      const work = typeof r.body.fulfills === 'string' ? this.approve(p) : this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: p.pair_id, state: 'rejected' });
      work.catch((e: unknown) => this.c.report(e, 'federation_decision'));
    }
  }

  /** Whether a decision on the pair-request thread was made here (the instance, or one of its principals). */
  private decidedHere(r: StoredRecord): boolean {
    return r.actor === this.c.self || this.c.localDids().has(r.actor);
  }

  /** How the operator (or TICK's expiry) answered a pair request, read from the log. */
  private async decisionOf(request: string): Promise<'approve' | 'reject' | undefined> {
    for (let after = 0; ; ) {
      const page = await this.c.kernel.records({ thread: PAIR_REQUESTS_THREAD, after, limit: 1000 });
      for (const r of page) {
        if (r.act !== 'DO' || !this.decidedHere(r)) continue;
        if (r.body.fulfills === request) return 'approve';
        if (r.body.cancels === request) return 'reject';
      }
      if (page.length < 1000) return undefined;
      after = (page[page.length - 1] as StoredRecord).seq;
    }
  }

  /** Whether a pair rule approves this request record (a rule that fails to evaluate approves nothing). */
  private ruleApproves(request: StoredRecord): string | undefined {
    const { kernel } = this.c;
    for (const entry of kernel.config()) {
      if (entry.topic !== PAIR_RULE_TOPIC || typeof entry.body.expression !== 'string') continue;
      const outcome = kernel.expression('aitl', entry.body.expression, { record: request });
      if (outcome.ok && outcome.value === true) return entry.name;
      if (!outcome.ok) this.c.report(new Error(`${PAIR_RULE_TOPIC} ${entry.name}: ${outcome.error.message}`), 'federation_rule');
    }
    return undefined;
  }
}
