import type { Auth, Principal } from '@syncropel/auth';
import type { Kernel } from '@syncropel/kernel';
import type { ChangePage } from './change-feed.js';
import type { CredentialStore } from './credentials.js';
import type { WellKnown } from './manifest.js';
import type { Pair } from './pair-fold.js';

/** How often paired instances pull each other by default: every 60 s. */
export const DEFAULT_SYNC_INTERVAL_MS = 60_000;

/** How long an initiator keeps polling a responder whose operator has not decided yet: 15 minutes. */
export const PAIR_POLL_WINDOW_MS = 15 * 60_000;
/** Between polls: 2 s. */
export const PAIR_POLL_EVERY_MS = 2000;

/** How long the responder keeps a minted token for the initiator's poll to collect (once): 5 minutes. */
export const CREDENTIAL_SLOT_MS = 5 * 60_000;

/**
 * Most pair requests that may wait for the operator at once: the pair route is open to anyone
 * with a key (keys are free), so strangers must not be able to grow the log without bound.
 */
export const MAX_PENDING_PAIR_REQUESTS = 20;

/** How long one initiator waits before its next pair request is taken (each writes a record): 1 s. */
export const PAIR_REQUEST_PAUSE_MS = 1000;

/** The longest wait between attempts to hand a peer its token after failures (30 s, doubling): 1 hour. */
export const HANDOVER_BACKOFF_MAX_MS = 3_600_000;

/** How long a pair request waits for the operator before TICK cancels it: 24 hours. */
export const PAIR_REQUEST_TTL_MS = 86_400_000;

/** Most pages one sync pulls before it yields (the next interval, or another `sync`, goes on). */
export const SYNC_MAX_PAGES = 100;

/** The scope of the tokens instances issue each other: the change feed and revocation notices only. */
export const FEDERATION_SYNC_SCOPE = 'federation:sync';

/** Options for {@link createFederation}. */
export interface FederationOptions {
  readonly kernel: Kernel;
  readonly auth: Auth;
  /** This instance: its DID (`did:sync:instance:<public key>`) and public key (hex). */
  readonly identity: { readonly did: string; readonly public_key: string };
  /** Signs UTF-8 text with the instance key (hex Ed25519): manifests, handshakes, vouching for served records. */
  readonly sign: (text: string) => string;
  /** The version the manifest advertises. */
  readonly version: string;
  /** Where peers reach this instance (its base URL), read when a handshake starts. */
  readonly publicUrl: () => string;
  /** Where tokens peers issued to this instance are kept (never in the log). */
  readonly credentials: CredentialStore;
  readonly now?: () => number;
  /** Outbound HTTP (default: global fetch). */
  readonly fetch?: typeof fetch;
  /** Pull every active pair this often (0: only on demand). Default {@link DEFAULT_SYNC_INTERVAL_MS}. */
  readonly syncIntervalMs?: number;
  /** Problems that have no caller to go to (a background pull or poll that failed). */
  readonly onError?: (error: unknown, where: string) => void;
}

/** A pair as the API shows it: the folded record plus this process's sync counters. */
export interface PairView extends Omit<Pair, 'nonce_sha256'> {
  readonly sync: SyncStatus;
}

/** What pulling from a pair has done since this process started. */
export interface SyncStatus {
  readonly last_sync_at: string | null;
  readonly last_error: string | null;
  /** Records received, stored new, already held, refused (bad or missing signature, not allowed), waiting for parents, dropped from the wait buffer. */
  readonly pulled: number;
  readonly created: number;
  readonly duplicate: number;
  readonly refused: number;
  readonly unsigned_or_bad_signature: number;
  readonly waiting: number;
  readonly dropped: number;
}

/** What one on-demand sync did. */
export interface SyncReport {
  readonly pair_id: string;
  readonly pages: number;
  readonly pulled: number;
  readonly created: number;
  readonly duplicate: number;
  readonly refused: number;
  readonly waiting: number;
  readonly cursor: string | null;
  readonly has_more: boolean;
}

/** The responder's answer to a pair request or poll. */
export type PairAnswer =
  | { readonly status: 202; readonly body: { readonly pair_id: string; readonly state: 'establishing'; readonly aitl_request_id: string | null } }
  | { readonly status: 200; readonly body: { readonly pair_id: string; readonly state: 'active'; readonly token: string; readonly responder_did: string } };

/**
 * Federation: the instance's signed manifest, pairing (both sides of the handshake), the change
 * feed it serves to peers, pulling from peers, and revocation. All state is records on
 * th_federation_pairs (create before `kernel.start()`: it attaches its fold).
 */
export interface Federation {
  /** The signed well-known document (signed at start; signed again once it nears expiry). */
  wellKnown(): WellKnown;
  /** `GET /v1/identity`: the DID, its method and key. */
  identity(): { readonly did: string; readonly method: 'did:sync'; readonly public_key: string; readonly key_id: string };
  /** Starts pairing with the instance at `url` (operator side): verifies its manifest, sends a signed request. */
  pair(url: string, options?: { readonly strict?: boolean }): Promise<PairView>;
  /** Responder: a peer's signed pair request; 202 while the operator decides, 200 with a token when a rule approves it. */
  receivePairRequest(body: unknown): Promise<PairAnswer>;
  /** Responder: the initiator's poll, proven by its nonce; the token is handed out once. */
  poll(pairId: string, body: unknown): Promise<PairAnswer>;
  /** Responder: the initiator hands over the token it minted for this instance (authenticated by the token this instance issued). */
  confirm(principal: Principal, pairId: string, body: unknown): Promise<PairView>;
  list(): PairView[];
  get(pairIdOrDid: string): PairView;
  /** Shares (or stops sharing) one of this instance's threads with a pair. */
  share(pairId: string, thread: string, shared?: boolean): Promise<PairView>;
  /** Pulls from the peer now, until caught up (or SYNC_MAX_PAGES). */
  sync(pairId: string): Promise<SyncReport>;
  /** Revokes a pair: a terminal record, the peer's tokens revoked at once, the peer told (best effort). */
  revoke(pairId: string, reason?: string): Promise<PairView & { readonly peer_notified: boolean }>;
  /** The peer's notice that it revoked the pair (authenticated by the token this instance issued it). */
  peerRevoked(principal: Principal, body: unknown): Promise<PairView>;
  /** `GET /v1/sync/changes` for the peer behind `principal` (with `thread`: that shared thread only, to read it from its start). */
  changes(principal: Principal, since: string | undefined, limit: string | undefined, thread?: string): Promise<ChangePage>;
  /** Starts the sync interval; call once the kernel is ready. */
  start(): void;
  /** Stops the interval and background polls, and waits for a pull in progress. */
  stop(): Promise<void>;
}

export type { Auth, Kernel };
