import { canonicalJson, instancePublicKey, verifyText } from '@syncropel/algebra';
import { FederationError } from './federation-error.js';

/** How long a signed manifest is valid: 7 days. The instance signs a fresh one at every start. */
export const MANIFEST_TTL_MS = 7 * 86_400_000;

/** The federation protocol this package speaks. */
export const FEDERATION_PROTOCOL_VERSION = '1';

/** Where a peer finds this instance's federation routes (relative to its base URL). */
export const FEDERATION_ENDPOINTS = {
  pair_endpoint: '/v1/federation/pair',
  sync_change_endpoint: '/v1/sync/changes',
  revoke_endpoint: '/v1/federation/notify-revoke',
} as const;

/** The signed part of `GET /.well-known/syncropel`. `signature.signature` signs everything else in it. */
export interface FederationManifest {
  readonly object: 'federation_manifest';
  readonly manifest_version: '1';
  readonly daemon: { readonly did: string; readonly public_key: string; readonly version: string; readonly federation_protocol_version: string };
  readonly federation: { readonly enabled: true } & typeof FEDERATION_ENDPOINTS;
  readonly signature: { readonly alg: 'Ed25519'; readonly key_id: string; readonly signature: string; readonly signed_at: string; readonly expires_at: string };
}

/** The whole well-known document: the manifest and a short capabilities summary. */
export interface WellKnown {
  readonly capabilities_manifest: { readonly api: '/v1'; readonly version: string };
  readonly federation_manifest: FederationManifest;
}

/** Builds and signs the manifest; `sign` signs UTF-8 text with the instance key (hex). */
export function signManifest(identity: { did: string; public_key: string }, version: string, sign: (text: string) => string, now: number): WellKnown {
  const unsigned = {
    object: 'federation_manifest' as const,
    manifest_version: '1' as const,
    daemon: { did: identity.did, public_key: identity.public_key, version, federation_protocol_version: FEDERATION_PROTOCOL_VERSION },
    federation: { enabled: true as const, ...FEDERATION_ENDPOINTS },
    signature: { alg: 'Ed25519' as const, key_id: `${identity.did}#key-1`, signed_at: new Date(now).toISOString(), expires_at: new Date(now + MANIFEST_TTL_MS).toISOString() },
  };
  // The signature covers every field, signature metadata (expiry) included, except itself.
  const signature = sign(manifestBytes(unsigned));
  return { capabilities_manifest: { api: '/v1', version }, federation_manifest: { ...unsigned, signature: { ...unsigned.signature, signature } } };
}

/** What a verified manifest tells about a peer. */
export interface VerifiedPeer {
  readonly did: string;
  readonly public_key: string;
  readonly version: string;
  readonly expires_at: string;
}

/**
 * Checks a peer's well-known document: shape, a DID that names its own key, the signature, and
 * (unless `strict` is false) the validity window. Throws a FederationError naming what failed.
 */
export function verifyManifest(document: unknown, now: number, strict = true): VerifiedPeer {
  const m = (document as { federation_manifest?: unknown } | null)?.federation_manifest as FederationManifest | undefined;
  if (typeof m !== 'object' || m === null) throw new FederationError('VALIDATION_FAILED', 'the peer serves no federation_manifest at /.well-known/syncropel', 'federation_manifest');
  const did = m.daemon?.did;
  const key = typeof did === 'string' ? instancePublicKey(did) : undefined;
  if (!key || m.daemon.public_key !== key) throw new FederationError('VALIDATION_FAILED', 'federation_manifest.daemon.did must be did:sync:instance:<its public key>', 'federation_manifest.daemon.did');
  const sig = m.signature;
  if (typeof sig !== 'object' || sig === null || sig.alg !== 'Ed25519' || typeof sig.signature !== 'string') {
    throw new FederationError('VALIDATION_FAILED', 'federation_manifest.signature must be an Ed25519 signature', 'federation_manifest.signature');
  }
  const { signature: value, ...meta } = sig;
  let text: string;
  try {
    text = manifestBytes({ ...m, signature: meta });
  } catch {
    throw new FederationError('VALIDATION_FAILED', 'federation_manifest is not canonical JSON', 'federation_manifest');
  }
  if (!verifyText(text, value, key)) {
    throw new FederationError('BAD_SIGNATURE', `the manifest of ${did} does not verify under its key`, 'federation_manifest.signature');
  }
  const from = Date.parse(sig.signed_at);
  const until = Date.parse(sig.expires_at);
  if (strict && (!(until > now) || !(from <= now + CLOCK_SKEW_MS))) {
    throw new FederationError('MANIFEST_EXPIRED', `the manifest of ${did} is valid from ${sig.signed_at} to ${sig.expires_at}, not now (pass --no-strict to accept it anyway)`, 'federation_manifest.signature.expires_at');
  }
  return { did: did as string, public_key: key, version: String(m.daemon.version), expires_at: String(sig.expires_at) };
}

/** How far another instance's clock may be ahead for its signed_at and handshake timestamps. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** The bytes a manifest's signature covers: its canonical JSON without `signature.signature`. */
function manifestBytes(m: object): string {
  const json = canonicalJson(m);
  if (!json.ok) throw new TypeError(json.error.message);
  return json.value;
}
