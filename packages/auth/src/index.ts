/**
 * @syncropel/auth — service accounts, bearer tokens and scopes, the two self-hosted bootstrap
 * paths, the writer each principal's records are checked against, the CORS allowlist and the
 * aggregated audit of refusals. All state is a fold over records on reserved threads; secrets
 * are stored only as HMAC-SHA256 digests under the instance's token key.
 */
export { createAuth } from './auth-service.js';
export { BOOTSTRAP_ENV_SA, PREFLIGHT_DAEMON_RESOURCES, RECENT_CHECKS } from './auth-api.js';
export { MAX_SA_ACTORS } from './account-input.js';
export { principalActor } from './principal.js';
export type { Principal, RequestSource } from './principal.js';
export type { Auth, AuthOptions, DryRunFlip, EnvBootstrapOutcome, MintedToken, PreflightGap, PublicToken, RecentCheck } from './auth-api.js';
export { RESOURCES, evaluatePermission, permissionRules, permissionsEnabled } from './permission-policy.js';
export type { PermissionRequest, PermissionRule, PermissionVerdict, Resource } from './permission-policy.js';
export { AUTH_ERROR_CODES, AuthError, isAuthError } from './auth-error.js';
export type { AuthErrorCode } from './auth-error.js';
export { SCOPES, allows, isScope } from './scopes.js';
export type { Scope } from './scopes.js';
export { DEFAULT_TOKEN_ENV, MAX_SECRET_LENGTH, MIN_SECRET_LENGTH, SA_ID, TOKEN_ENV, formatBearer, parseBearer, secretProblem } from './bearer.js';
export type { ParsedBearer } from './bearer.js';
export { ADMIN_READ_THREADS, ENGINE_CONFIG_THREAD, SERVICE_ACCOUNTS_THREAD, authRegistryFold } from './registry.js';
export type { AuthRegistry, ServiceAccount, TokenHashKind, TokenMeta } from './registry.js';
export { MIN_TOKEN_KEY_BYTES, tokenHasher } from './token-hash.js';
export type { TokenHasher } from './token-hash.js';
export { AUDIT_THREAD, AUDIT_WINDOW_MS, MAX_AUDIT_KEYS } from './audit-log.js';
export type { FailureReason } from './audit-log.js';
