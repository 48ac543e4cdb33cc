import type { Kernel, Writer } from '@syncropel/kernel';
import type { FailureReason } from './audit-log.js';
import type { PermissionRule, Resource } from './permission-policy.js';
import type { Principal, RequestSource } from './principal.js';
import type { ServiceAccount, TokenMeta } from './registry.js';
import type { Scope } from './scopes.js';

/*
 * The auth layer's public shape: what `createAuth` takes and returns, and the values its
 * methods hand out. The implementation lives in auth-service.ts.
 */

/** How many recent permission checks are kept for `permissions-dry-run`. */
export const RECENT_CHECKS = 1000;


/** Resources the daemon's own actor must keep, and what the caller needs to undo enforcement. */
export const PREFLIGHT_DAEMON_RESOURCES: readonly Resource[] = ['record_write', 'thread_read', 'config_read'];

/** One unmet preflight requirement and the command that fixes it. */
export interface PreflightGap {
  readonly actor: string;
  readonly resource: Resource;
  readonly fix: string;
}

/** A permission check as remembered for dry runs (no bodies beyond the record's identity fields). */
export interface RecentCheck {
  readonly actor: string;
  readonly resource: Resource;
  readonly record?: unknown;
  readonly allowed: boolean;
}

/** One actor/resource pair whose verdict would change under the proposed rules. */
export interface DryRunFlip {
  readonly actor: string;
  readonly resource: Resource;
  readonly from: 'allow' | 'deny';
  readonly to: 'allow' | 'deny';
  readonly occurrences: number;
}



/** Token metadata as listed: everything but the stored hash. */
export type PublicToken = Omit<TokenMeta, 'secret_hash'>;


/** A freshly minted token: the only object that ever carries the bearer. */
export interface MintedToken {
  readonly token_id: string;
  readonly sa_id: string;
  readonly env: string;
  readonly scopes: readonly string[];
  readonly label: string;
  /** Shown once; only its HMAC-SHA256 under the token key is stored. */
  readonly bearer: string;
}

/** What happened to `SPL_BOOTSTRAP_TOKEN` at startup (never includes the value). */
export type EnvBootstrapOutcome =
  | { readonly kind: 'unset' }
  | { readonly kind: 'minted'; readonly sa_id: string; readonly token_id: string }
  /** Every active token was keyed by another identity's key (identity.json replaced): the bootstrap token was minted again. */
  | { readonly kind: 'reminted'; readonly sa_id: string; readonly token_id: string; readonly reason: string }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Options for {@link createAuth}. */
export interface AuthOptions {
  readonly kernel: Kernel;
  /** The daemon's own DID: the actor of every record auth writes. */
  readonly actor: string;
  /**
   * The key token secrets are hashed with (HMAC-SHA256), at least 32 bytes. The daemon derives it
   * from its identity file (`readTokenKey`); tokens minted under one key do not verify under another.
   */
  readonly tokenKey: Uint8Array;
  readonly now?: () => number;
  /** Aggregation window for failure audit records (0 disables the timer; `flush` still works). */
  readonly auditWindowMs?: number;
}

/** The SA minted by Path A. */
export const BOOTSTRAP_ENV_SA = 'sa-bootstrap-env';

/**
 * Service accounts, tokens, bootstrap and the CORS allowlist, all as records folded into a live
 * registry. Create it before `kernel.start()` (it attaches its fold to the kernel's rebuild).
 */
export interface Auth {
  /** Resolves an `Authorization` header to a principal, or throws AUTH_REQUIRED. */
  authenticate(header: string | undefined): Principal;
  /** Throws SCOPE_FORBIDDEN unless the principal's token scopes allow `scope` (on `thread`, for grains). */
  authorize(principal: Principal, scope: Scope, thread?: string): void;
  /**
   * The kernel writer for a principal's records: it writes as `did:sync:sa:<id>` and the DIDs
   * listed for its account; `configure` needs config:write (and the lockout preflight), `decide`
   * needs aitl:decide (and the `aitl_decide` permission); each record needs records:write on its
   * thread (grains count) and the `record_write` permission.
   */
  writer(principal: Principal, from: RequestSource): Writer;
  /** Whether the principal may read records of `thread` (the token registry is for admins only). */
  mayRead(principal: Principal, thread: string): boolean;
  /** Threads whose records must be left out of the principal's unfiltered reads. */
  unreadableThreads(principal: Principal): readonly string[];
  /** Counts a refused request for the aggregated audit trail. */
  noteFailure(source: string, reason: FailureReason, route: string): void;
  /** Path A: mints `sa-bootstrap-env` (admin) with the given secret when no service account exists yet. */
  bootstrapFromEnv(secret: string | undefined): Promise<EnvBootstrapOutcome>;
  /** Path B: mints the first service account over HTTP; BOOTSTRAP_CLOSED once any exists. */
  bootstrapServiceAccount(input: unknown): Promise<MintedToken>;
  /** True while no service account has ever existed. */
  bootstrapOpen(): boolean;
  createServiceAccount(input: unknown): Promise<ServiceAccount>;
  updateServiceAccount(saId: string, input: unknown): Promise<ServiceAccount>;
  revokeServiceAccount(saId: string): Promise<ServiceAccount>;
  listServiceAccounts(): ServiceAccount[];
  mintToken(saId: string, input?: unknown): Promise<MintedToken>;
  listTokens(saId?: string): PublicToken[];
  revokeToken(tokenId: string, reason?: string): Promise<PublicToken>;
  /** Mints a replacement (with the SA's current scopes) first, then revokes the old token. */
  rotateToken(tokenId: string): Promise<MintedToken>;
  setCorsOrigins(input: unknown): Promise<readonly string[]>;
  corsOrigins(): readonly string[];
  /**
   * Enforces permission rules (when enabled) for an authenticated request; throws
   * PERMISSION_DENIED, counted in the aggregated audit. `source` and `route` feed the audit.
   */
  checkPermission(principal: Principal, resource: Resource, context: { record?: unknown; source: string; route: string; field?: string }): void;
  /** Whether enforcement is on. */
  permissionsEnabled(): boolean;
  /** The loaded permission rules in evaluation order. */
  permissionRules(): PermissionRule[];
  /** What enabling would lock out: the daemon's own actor must keep record_write, thread_read, config_read; the caller config_write. */
  preflight(caller: Principal | null, rules?: readonly PermissionRule[]): PreflightGap[];
  /** Runs the preflight and, only when it passes, writes `permissions_enabled` = true. */
  enablePermissions(caller: Principal | null): Promise<void>;
  /**
   * Checks a config change arriving by another path (a raw LEARN, a generic entry): turning
   * permissions on must pass the same lockout preflight as `enablePermissions`.
   */
  guardConfigChange(caller: Principal | null, body: unknown): void;
  /** Writes `permissions_enabled` = false. */
  disablePermissions(): Promise<void>;
  /** Replays recent checks and writes under proposed rules (default: the current ones) and lists verdicts that would flip. */
  dryRun(proposed?: readonly PermissionRule[]): Promise<{ checked: number; flips: DryRunFlip[] }>;
  /** Writes pending audit aggregates and stops the audit timer. */
  stop(): Promise<void>;
}
