import type { JsonObject } from '@syncropel/algebra';
import type { Auth } from '@syncropel/auth';
import type { Kernel } from '@syncropel/kernel';
import type { CredentialStore } from './credentials.js';
import type { FederationError } from './federation-error.js';
import type { Pair, PairsState } from './pair-fold.js';
import type { PeerClient } from './peer-client.js';

/** What the two sides of the handshake share with the federation service: the instance, its pairs and how to write them. */
export interface FederationContext {
  readonly kernel: Kernel;
  readonly auth: Auth;
  /** This instance's DID. */
  readonly self: string;
  /** Signs UTF-8 text with the instance key (hex). */
  readonly sign: (text: string) => string;
  readonly now: () => number;
  readonly credentials: CredentialStore;
  readonly peer: PeerClient;
  /** Problems that have no caller to go to. */
  readonly report: (error: unknown, where: string) => void;
  /** The pairs as folded now. */
  state(): PairsState;
  /** A pair by id or peer DID; NOT_FOUND otherwise. */
  pairOf(idOrDid: string): Pair;
  /** Writes a pair record on th_federation_pairs as the instance. */
  writePair(body: JsonObject): Promise<unknown>;
  /** Mints the peer's federation token (on its service account, earlier tokens revoked). */
  mintForPeer(p: Pair): Promise<{ sa: string; tokenId: string; bearer: string }>;
  /** The refusal for a revoked pair. */
  revokedError(p: Pair): FederationError;
  /** DIDs of this instance's principals. */
  localDids(): ReadonlySet<string>;
}
