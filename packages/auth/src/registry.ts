import { fold, type Fold, type StoredRecord } from '@syncropel/algebra';
import { moduleBuildId, type FoldCodec } from '@syncropel/kernel';

/** The reserved thread holding service accounts and token metadata (keyed hashes only, never secrets). */
export const SERVICE_ACCOUNTS_THREAD = 'th_service_accounts';

/** Threads whose records only admins may read: token hashes are not for every reader's eyes. */
export const ADMIN_READ_THREADS: readonly string[] = [SERVICE_ACCOUNTS_THREAD];

/** The reserved thread holding config LEARNs (here: the CORS allowlist). */
export const ENGINE_CONFIG_THREAD = 'th_engine_config';

/** A service account as folded from its records. */
export interface ServiceAccount {
  readonly sa_id: string;
  readonly scopes: readonly string[];
  /** DIDs it may write as besides its own `did:sync:sa:<id>` (set by an admin; live, not per token). */
  readonly actors: readonly string[];
  readonly description: string;
  readonly namespace: string;
  readonly created_at: string;
  readonly revoked: boolean;
}

/**
 * How a token's secret is stored: `keyed` is HMAC-SHA256 under the instance's token key (the
 * default since keyed hashes exist); `legacy` is a bare SHA-256 from older versions, still
 * accepted until the token is rotated.
 */
export type TokenHashKind = 'keyed' | 'legacy';

/** Token metadata as folded from its records. `secret_hash` identifies it; the secret is never stored. */
export interface TokenMeta {
  readonly token_id: string;
  readonly sa_id: string;
  readonly env: string;
  /** The SA's scopes when the token was minted: later SA edits do not change them. */
  readonly scopes: readonly string[];
  readonly label: string;
  readonly hash: TokenHashKind;
  /** The hash of the secret (hex), keyed or legacy as `hash` says. */
  readonly secret_hash: string;
  /** Which token key a keyed hash was made with (a fingerprint, not the key); null for legacy. */
  readonly key_id: string | null;
  readonly created_at: string;
  readonly revoked: boolean;
}

/**
 * The auth registry: state = fold(records on th_service_accounts and the CORS LEARNs on
 * th_engine_config). Newest record per (topic, name) wins; `enabled: false` revokes.
 *
 * Invariants: `byHash` indexes exactly the tokens in `tokens`; `everCreated` only grows, so
 * bootstrap stays closed once any service account has existed.
 */
export interface AuthRegistry {
  readonly accounts: Map<string, ServiceAccount>;
  readonly tokens: Map<string, TokenMeta>;
  /** Token id by {@link hashKey} of its stored hash. */
  readonly byHash: Map<string, string>;
  everCreated: number;
  corsOrigins: readonly string[];
}

/** The fold that builds the {@link AuthRegistry}; it owns its maps and updates them in place. */
export const authRegistryFold: Fold<AuthRegistry, StoredRecord> = fold<AuthRegistry, StoredRecord>(
  () => ({ accounts: new Map(), tokens: new Map(), byHash: new Map(), everCreated: 0, corsOrigins: [] }),
  (state, r) => {
    if (r.act !== 'LEARN') return state;
    const b = r.body;
    const at = typeof b.at === 'string' ? b.at : '';
    if (r.thread === ENGINE_CONFIG_THREAD) {
      if (b.topic === 'auth_cors_origins' && Array.isArray(b.origins)) {
        state.corsOrigins = b.enabled === false ? [] : b.origins.filter((o): o is string => typeof o === 'string');
      }
      return state;
    }
    if (r.thread !== SERVICE_ACCOUNTS_THREAD) return state;
    if (b.topic === 'service_account' && typeof b.sa_id === 'string') {
      const previous = state.accounts.get(b.sa_id);
      if (b.enabled === false) {
        if (previous) state.accounts.set(b.sa_id, { ...previous, revoked: true });
        return state;
      }
      if (!previous) state.everCreated++;
      state.accounts.set(b.sa_id, {
        sa_id: b.sa_id,
        scopes: stringList(b.scopes),
        actors: stringList(b.actors),
        description: typeof b.description === 'string' ? b.description : '',
        namespace: typeof b.namespace === 'string' ? b.namespace : 'default',
        created_at: previous && !previous.revoked ? previous.created_at : at,
        revoked: false,
      });
    } else if (b.topic === 'token' && typeof b.token_id === 'string') {
      const previous = state.tokens.get(b.token_id);
      if (b.enabled === false) {
        if (previous) state.tokens.set(b.token_id, { ...previous, revoked: true });
        return state;
      }
      const stored = storedHash(b);
      if (typeof b.sa_id !== 'string' || !stored || previous) return state;
      state.tokens.set(b.token_id, {
        token_id: b.token_id,
        sa_id: b.sa_id,
        env: typeof b.env === 'string' ? b.env : 'prod',
        scopes: stringList(b.scopes),
        label: typeof b.label === 'string' ? b.label : '',
        ...stored,
        created_at: at,
        revoked: false,
      });
      state.byHash.set(hashKey(stored.hash, stored.secret_hash), b.token_id);
    }
    return state;
  },
);

/** How the registry goes into the kernel's fold snapshots; `byHash` is derived again from the tokens. */
export const authRegistryCodec: FoldCodec<AuthRegistry> = {
  // This package's build: the helpers the fold calls (stringList, storedHash) are part of what it means.
  version: `auth-registry/1 ${moduleBuildId(import.meta.url)}`,
  encode: (s) => ({ accounts: [...s.accounts.values()], tokens: [...s.tokens.values()], everCreated: s.everCreated, corsOrigins: s.corsOrigins }),
  decode: (j) => {
    const e = j as { accounts: ServiceAccount[]; tokens: TokenMeta[]; everCreated: number; corsOrigins: string[] };
    return {
      accounts: new Map(e.accounts.map((a) => [a.sa_id, a])),
      tokens: new Map(e.tokens.map((t) => [t.token_id, t])),
      byHash: new Map(e.tokens.map((t) => [hashKey(t.hash, t.secret_hash), t.token_id])),
      everCreated: e.everCreated,
      corsOrigins: e.corsOrigins,
    };
  },
};

/** The key of a stored hash in {@link AuthRegistry.byHash}: kind and hex, so the two kinds never collide. */
export function hashKey(kind: TokenHashKind, hex: string): string {
  return `${kind}:${hex}`;
}

/** A token record's hash: `secret_hmac` + `key_id` (keyed), or `secret_sha256` (legacy). */
function storedHash(b: { [key: string]: unknown }): Pick<TokenMeta, 'hash' | 'secret_hash' | 'key_id'> | undefined {
  if (typeof b.secret_hmac === 'string' && typeof b.key_id === 'string') return { hash: 'keyed', secret_hash: b.secret_hmac, key_id: b.key_id };
  if (typeof b.secret_sha256 === 'string') return { hash: 'legacy', secret_hash: b.secret_sha256, key_id: null };
  return undefined;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}
