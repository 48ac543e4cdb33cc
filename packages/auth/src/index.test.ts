import { describe, expect, it } from 'vitest';
import * as api from '@syncropel/auth';

// The public surface is checked by machine, so any API change shows up in review.
describe('@syncropel/auth public surface', () => {
  it('exports exactly the public API', async () => {
    expect(Object.keys(await import('@syncropel/auth')).sort()).toEqual([
      'ADMIN_READ_THREADS',
      'AUDIT_THREAD',
      'AUDIT_WINDOW_MS',
      'AUTH_ERROR_CODES',
      'AuthError',
      'BOOTSTRAP_ENV_SA',
      'DEFAULT_TOKEN_ENV',
      'ENGINE_CONFIG_THREAD',
      'MAX_AUDIT_KEYS',
      'MAX_SA_ACTORS',
      'MAX_SECRET_LENGTH',
      'MIN_SECRET_LENGTH',
      'MIN_TOKEN_KEY_BYTES',
      'PREFLIGHT_DAEMON_RESOURCES',
      'RECENT_CHECKS',
      'RESOURCES',
      'SA_ID',
      'SCOPES',
      'SERVICE_ACCOUNTS_THREAD',
      'TOKEN_ENV',
      'allows',
      'authRegistryFold',
      'createAuth',
      'evaluatePermission',
      'formatBearer',
      'isAuthError',
      'isScope',
      'parseBearer',
      'permissionRules',
      'permissionsEnabled',
      'principalActor',
      'secretProblem',
      'tokenHasher',
    ]);
  });

  it('keeps the constants the spec names', () => {
    expect(api.AUDIT_THREAD).toBe('th_audit');
    expect(api.SERVICE_ACCOUNTS_THREAD).toBe('th_service_accounts');
    expect(api.ENGINE_CONFIG_THREAD).toBe('th_engine_config');
    expect(api.BOOTSTRAP_ENV_SA).toBe('sa-bootstrap-env');
    expect(api.DEFAULT_TOKEN_ENV).toBe('prod');
    expect(api.MAX_AUDIT_KEYS).toBeGreaterThan(0);
    expect(api.MAX_SA_ACTORS).toBe(64);
    expect(api.MIN_TOKEN_KEY_BYTES).toBe(32);
    expect(api.ADMIN_READ_THREADS).toEqual(['th_service_accounts']);
    expect(Object.keys(api.AUTH_ERROR_CODES).sort()).toEqual([
      'ALREADY_EXISTS',
      'AUTH_REQUIRED',
      'BOOTSTRAP_CLOSED',
      'BOOTSTRAP_FORBIDDEN',
      'NOT_FOUND',
      'PERMISSION_DENIED',
      'PREFLIGHT_FAILED',
      'SCOPE_FORBIDDEN',
      'VALIDATION_FAILED',
    ]);
  });

  it('recognises AuthError by brand, not class identity', () => {
    const e = new api.AuthError('AUTH_REQUIRED', 'no');
    expect(api.isAuthError(e)).toBe(true);
    expect(e.code).toBe('AUTH_REQUIRED');
    // A structurally identical error from another copy of the package is still recognised.
    expect(api.isAuthError({ brand: 'syncropel.AuthError', code: 'AUTH_REQUIRED' })).toBe(true);
    expect(api.isAuthError(new Error('AUTH_REQUIRED'))).toBe(false);
    expect(api.isAuthError(null)).toBe(false);
  });
});
