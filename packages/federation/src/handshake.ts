import { createHash } from 'node:crypto';
import { instancePublicKey } from '@syncropel/algebra';
import { FederationError } from './federation-error.js';
import { CLOCK_SKEW_MS, FEDERATION_PROTOCOL_VERSION } from './manifest.js';
import { verifyMessage } from './signed-message.js';

/** A pair request as the initiator signs it (`POST /v1/federation/pair`). */
export interface PairRequest {
  readonly object: 'pair_request';
  readonly protocol: string;
  readonly initiator_did: string;
  /** Where the responder reaches the initiator (its change feed, revocations). */
  readonly initiator_url: string;
  readonly responder_did: string;
  /** 32 random bytes (hex), single-use; the initiator proves itself with it when it polls. */
  readonly nonce: string;
  readonly issued_at: string;
  readonly sig: string;
}

/** SHA-256 (hex) of a nonce: what the log keeps, so reading the log does not let anyone poll. */
export function nonceHash(nonce: string): string {
  return createHash('sha256').update(nonce).digest('hex');
}

/**
 * Checks a pair request addressed to `self`: its fields, its age, and the initiator's signature
 * (the initiator's DID names its key). Throws a FederationError naming the field.
 */
export function checkPairRequest(input: unknown, self: string, now: number): PairRequest {
  const m = (typeof input === 'object' && input !== null ? input : {}) as { [k: string]: unknown };
  const need = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new FederationError('VALIDATION_FAILED', `${field} ${what}`, field);
  };
  need('object', m.object === 'pair_request', 'must be "pair_request"');
  need('protocol', m.protocol === FEDERATION_PROTOCOL_VERSION, `must be "${FEDERATION_PROTOCOL_VERSION}" (this instance's federation protocol)`);
  const key = typeof m.initiator_did === 'string' ? instancePublicKey(m.initiator_did) : undefined;
  need('initiator_did', key !== undefined, 'must be an instance DID (did:sync:instance:<64 hex public key>)');
  need('initiator_did', m.initiator_did !== self, 'is this instance itself');
  need('initiator_url', typeof m.initiator_url === 'string' && isHttpUrl(m.initiator_url), 'must be the http(s) URL where the initiator is reached');
  need('responder_did', m.responder_did === self, `must be this instance's DID (${self})`);
  need('nonce', typeof m.nonce === 'string' && /^[0-9a-f]{64}$/.test(m.nonce), 'must be 32 random bytes as 64 lowercase hex');
  const at = typeof m.issued_at === 'string' ? Date.parse(m.issued_at) : NaN;
  need('issued_at', !Number.isNaN(at), 'must be an ISO 8601 timestamp');
  if (Math.abs(now - at) > CLOCK_SKEW_MS) throw new FederationError('STALE_REQUEST', `issued_at ${m.issued_at as string} is more than ${CLOCK_SKEW_MS / 60_000} minutes from this instance's clock`, 'issued_at');
  if (!verifyMessage(m, key as string)) throw new FederationError('BAD_SIGNATURE', `sig does not verify under the key of ${m.initiator_did as string}`, 'sig');
  return m as unknown as PairRequest;
}

/** True for an absolute http(s) URL without credentials, query or fragment. */
export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '' && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
}

/** A base URL without a trailing slash. */
export function baseUrl(value: string): string {
  return value.replace(/\/+$/, '');
}

/**
 * Checks an initiator's poll: `{object: "pair_poll", pair_id, nonce, at, sig}` signed by the
 * initiator's key, recent. Returns the nonce. With no pair (`initiator` undefined) it still checks
 * the shape, so a guesser learns nothing from the answer.
 */
export function checkPoll(input: unknown, pairId: string, initiator: string | undefined, now: number): string {
  const m = (typeof input === 'object' && input !== null ? input : {}) as { [k: string]: unknown };
  if (m.object !== 'pair_poll' || m.pair_id !== pairId) throw new FederationError('VALIDATION_FAILED', 'a poll is {object: "pair_poll", pair_id, nonce, at, sig} for this pair', 'object');
  if (typeof m.nonce !== 'string' || !/^[0-9a-f]{64}$/.test(m.nonce)) throw new FederationError('VALIDATION_FAILED', 'nonce must be the 64-hex nonce of the pair request', 'nonce');
  const at = typeof m.at === 'string' ? Date.parse(m.at) : NaN;
  if (Number.isNaN(at) || Math.abs(now - at) > CLOCK_SKEW_MS) throw new FederationError('STALE_REQUEST', `at must be the poll's time, within ${CLOCK_SKEW_MS / 60_000} minutes of this instance's clock`, 'at');
  const key = initiator === undefined ? undefined : instancePublicKey(initiator);
  if (key === undefined || !verifyMessage(m, key)) throw new FederationError('NOT_FOUND', 'no pair request with this id and nonce', 'nonce');
  return m.nonce;
}
