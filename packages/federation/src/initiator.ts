import { randomBytes } from 'node:crypto';
import { HANDOVER_BACKOFF_MAX_MS, PAIR_POLL_EVERY_MS, PAIR_POLL_WINDOW_MS } from './federation-api.js';
import type { FederationContext } from './federation-context.js';
import { FederationError } from './federation-error.js';
import { baseUrl, isHttpUrl, nonceHash } from './handshake.js';
import { verifyManifest } from './manifest.js';
import { PAIR_TOPICS, type Pair } from './pair-fold.js';
import { pairIdOf } from './pair-id.js';
import { signMessage } from './signed-message.js';

/**
 * The initiator's side of the handshake: verifies the peer's manifest, sends a signed request
 * with a fresh nonce, polls (signed) until the peer's operator decides, keeps the token it is
 * given, and hands the peer a token of its own (retried with backoff until the peer holds it).
 */
export class Initiator {
  /** The nonce of each handshake in flight (only this process can poll for it). */
  private readonly nonces = new Map<string, string>();
  private readonly polls = new Set<ReturnType<typeof setTimeout>>();
  /** One handover at a time per pair, and when the next may be tried after a failure. */
  private readonly handovers = new Map<string, Promise<void>>();
  private readonly backoff = new Map<string, { failures: number; next: number }>();
  private stopped = false;

  constructor(
    private readonly c: FederationContext,
    /** Where peers reach this instance (its base URL). */
    private readonly publicUrl: () => string,
  ) {}

  /** Starts pairing with the instance at `url`; returns the pair, active (a rule approved) or establishing. */
  async pair(url: string, strict: boolean): Promise<Pair> {
    const { self, now, peer } = this.c;
    if (typeof url !== 'string' || !isHttpUrl(baseUrl(url))) throw new FederationError('VALIDATION_FAILED', 'url must be the http(s) base URL of the peer, e.g. https://peer.example.com:9100', 'url');
    const base = baseUrl(url);
    const manifest = verifyManifest(await peer.json(await peer.call(`${base}/.well-known/syncropel`), 'fetching the peer manifest'), now(), strict);
    if (manifest.did === self) throw new FederationError('VALIDATION_FAILED', `${base} is this instance itself`, 'url');
    const pairId = pairIdOf(self, manifest.did);
    const existing = this.c.state().pairs.get(pairId);
    if (existing?.state === 'revoked') throw this.c.revokedError(existing);
    if (existing?.state === 'active') throw new FederationError('ALREADY_PAIRED', `already paired with ${manifest.did} (${pairId})`, 'url');
    const nonce = randomBytes(32).toString('hex');
    const request = signMessage(
      { object: 'pair_request', protocol: '1', initiator_did: self, initiator_url: baseUrl(this.publicUrl()), responder_did: manifest.did, nonce, issued_at: new Date(now()).toISOString() },
      this.c.sign,
    );
    await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, peer_did: manifest.did, peer_url: base, role: 'initiator', state: 'establishing', nonce_sha256: nonceHash(nonce), peer_credential: false });
    this.nonces.set(pairId, nonce);
    const answer = await peer.json(await peer.call(`${base}/v1/federation/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) }), 'sending the pair request');
    if (answer.state === 'active' && typeof answer.token === 'string') await this.established(pairId, answer.token);
    else this.pollLater(pairId, nonce, now() + PAIR_POLL_WINDOW_MS);
    return this.c.pairOf(pairId);
  }

  /** Whether a failed handover of this pair may be tried again now. */
  due(pairId: string): boolean {
    return (this.backoff.get(pairId)?.next ?? 0) <= this.c.now();
  }

  /** Hands the responder its token, one attempt at a time per pair. */
  handOver(pairId: string): Promise<void> {
    let run = this.handovers.get(pairId);
    if (!run) {
      run = this.handOverOnce(pairId).then(
        () => void this.backoff.delete(pairId),
        async (e: unknown) => {
          // The responder revoked the pair (its notice never arrived): that is final here too.
          if ((e as FederationError).code === 'PAIR_REVOKED') await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, state: 'revoked', reason: 'the peer revoked the pair', revoked_by: 'peer' });
          const failures = (this.backoff.get(pairId)?.failures ?? 0) + 1;
          this.backoff.set(pairId, { failures, next: this.c.now() + Math.min(HANDOVER_BACKOFF_MAX_MS, 30_000 * 2 ** (failures - 1)) });
          throw e;
        },
      );
      this.handovers.set(pairId, run);
      void run.catch(() => undefined).finally(() => this.handovers.delete(pairId));
    }
    return run;
  }

  /** A handover a restart (or the peer being away) cut short. */
  async resume(p: Pair): Promise<void> {
    if (p.role === 'initiator' && p.state === 'active' && !p.handed_over) await this.handOver(p.pair_id);
  }

  /** Forgets the handshake of a pair that ended (revoked). */
  forget(pairId: string): void {
    this.nonces.delete(pairId);
  }

  /** Stops polling. */
  stop(): void {
    this.stopped = true;
    for (const t of this.polls) clearTimeout(t);
    this.polls.clear();
  }

  /**
   * The responder handed a token: keep it, then mint one for the responder and hand it over. A
   * failed handover leaves the pair active without `handed_over`; it is tried again on every sync
   * and interval (with a new token: the old one's plaintext is gone).
   */
  private async established(pairId: string, token: string): Promise<void> {
    this.c.credentials.put(pairId, token);
    this.nonces.delete(pairId);
    await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, state: 'active', peer_credential: true, handed_over: false });
    await this.handOver(pairId).catch((e: unknown) => this.c.report(e, `federation_handover ${pairId}`));
  }

  /** Mints the responder's token and hands it over (`/pair/:id/confirm`, authenticated by the responder's token). */
  private async handOverOnce(pairId: string): Promise<void> {
    const p = this.c.pairOf(pairId);
    const token = this.c.credentials.get(pairId);
    if (p.state !== 'active' || !token) return;
    const minted = await this.c.mintForPeer(p);
    await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, issued_sa: minted.sa, issued_token_id: minted.tokenId });
    const res = await this.c.peer.call(`${p.peer_url}/v1/federation/pair/${pairId}/confirm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: minted.bearer }),
    });
    await this.c.peer.json(res, 'handing the pair token over');
    await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, handed_over: true });
  }

  /** Polls the responder until its operator decides (or the window closes). */
  private pollLater(pairId: string, nonce: string, until: number): void {
    if (this.stopped) return;
    const { now, report, peer } = this.c;
    const timer = setTimeout(async () => {
      this.polls.delete(timer);
      const p = this.c.state().pairs.get(pairId);
      if (!p || p.state !== 'establishing' || this.nonces.get(pairId) !== nonce) return;
      try {
        // Signed, so a nonce seen in transit (a proxy's log) does not let anyone else collect the token.
        const poll = signMessage({ object: 'pair_poll', pair_id: pairId, nonce, at: new Date(now()).toISOString() }, this.c.sign);
        const res = await peer.call(`${p.peer_url}/v1/federation/pair/${pairId}/poll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(poll) });
        if (res.status === 202) {
          await res.body?.cancel();
          if (now() < until) this.pollLater(pairId, nonce, until);
          else report(new Error(`pair ${pairId}: the peer's operator did not decide within ${PAIR_POLL_WINDOW_MS / 60_000} minutes; run spl federation pair again`), 'federation_poll');
          return;
        }
        const body = await peer.json(res, 'polling the pair request');
        if (body.state === 'active' && typeof body.token === 'string') await this.established(pairId, body.token);
      } catch (e) {
        if ((e as FederationError).code === 'PAIR_REJECTED') {
          this.nonces.delete(pairId);
          await this.c.writePair({ topic: PAIR_TOPICS.pair, pair_id: pairId, state: 'rejected' }).catch((w: unknown) => report(w, 'federation_poll'));
        } else if (now() < until) this.pollLater(pairId, nonce, until);
        report(e, 'federation_poll');
      }
    }, PAIR_POLL_EVERY_MS);
    timer.unref?.();
    this.polls.add(timer);
  }
}
