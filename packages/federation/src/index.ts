/**
 * @syncropel/federation — pairing instances and exchanging shared threads: the signed manifest,
 * the signed, nonce-protected handshake (held for the operator as an AITL decision), the change
 * feed, pulling with signature checks and causal ingest, and revocation. State is records on
 * th_federation_pairs.
 */
export { REVOKE_NOTICE_TIMEOUT_MS, SYNC_BEAT_MS, SYNC_CONFIG_TOPIC, createFederation } from './federation-service.js';
export { PAIR_RULE_TOPIC } from './responder.js';
export { PEER_TIMEOUT_MS } from './peer-client.js';
export { PAIR_REQUESTS_THREAD, neverFederates } from './federated-threads.js';
export { foreignRules } from './foreign-admission.js';
export type { Admission } from './foreign-admission.js';
export { IDLE_CURSOR_WRITE_MS, MAX_PAGE_BYTES } from './puller.js';
export {
  CREDENTIAL_SLOT_MS,
  DEFAULT_SYNC_INTERVAL_MS,
  FEDERATION_SYNC_SCOPE,
  HANDOVER_BACKOFF_MAX_MS,
  MAX_PENDING_PAIR_REQUESTS,
  PAIR_REQUEST_PAUSE_MS,
  PAIR_REQUEST_TTL_MS,
  PAIR_POLL_EVERY_MS,
  PAIR_POLL_WINDOW_MS,
  SYNC_MAX_PAGES,
} from './federation-api.js';
export type { Federation, FederationOptions, PairAnswer, PairView, SyncReport, SyncStatus } from './federation-api.js';
export { DEFAULT_FEED_LIMIT, FEED_SCAN_LIMIT, MAX_FEED_LIMIT, feedQuery, formatCursor, readChanges, vouch } from './change-feed.js';
export type { Change, ChangePage, FeedCursor } from './change-feed.js';
export { CAUSAL_BUFFER_CAPACITY, CAUSAL_WAIT_MS, CausalBuffer } from './causal-buffer.js';
export { fileCredentials, memoryCredentials } from './credentials.js';
export type { CredentialStore } from './credentials.js';
export { FEDERATION_ERROR_CODES, FederationError, isFederationError } from './federation-error.js';
export type { FederationErrorCode } from './federation-error.js';
export { checkPairRequest, checkPoll, nonceHash } from './handshake.js';
export type { PairRequest } from './handshake.js';
export { CLOCK_SKEW_MS, FEDERATION_ENDPOINTS, FEDERATION_PROTOCOL_VERSION, MANIFEST_TTL_MS, signManifest, verifyManifest } from './manifest.js';
export type { FederationManifest, VerifiedPeer, WellKnown } from './manifest.js';
export { PAIR_TOPICS, emptyPairs, pairsCodec, stepPairs } from './pair-fold.js';
export type { Pair, PairState, PairsState } from './pair-fold.js';
export { isPairId, pairIdOf } from './pair-id.js';
export { messageBytes, signMessage, verifyMessage } from './signed-message.js';
export { recordSignatureValid } from './verify-signature.js';
