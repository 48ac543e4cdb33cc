import { allows, isScope, SCOPES } from '@syncropel/auth';
import { RESERVED_THREADS, threadIdFor } from '@syncropel/algebra';
import { describe, expect, it } from 'vitest';

const T1 = threadIdFor('scopes-test-one');
const T2 = threadIdFor('scopes-test-two');

describe('isScope', () => {
  it('is the closed set from the spec', () => {
    expect([...SCOPES].sort()).toEqual(['admin', 'aitl:decide', 'config:read', 'config:write', 'federation:manage', 'federation:sync', 'metrics:read', 'records:read', 'records:write', 'threads:write']);
    for (const s of SCOPES) expect(isScope(s)).toBe(true);
  });

  it('accepts per-thread grains on well-formed and reserved threads', () => {
    expect(T1).toMatch(/^th_[0-9a-f]{64}$/);
    expect(isScope(`thread:${T1}:read`)).toBe(true);
    expect(isScope(`thread:${T1}:write`)).toBe(true);
    for (const reserved of RESERVED_THREADS) {
      expect(isScope(`thread:${reserved}:read`)).toBe(true);
      expect(isScope(`thread:${reserved}:write`)).toBe(true);
    }
  });

  it.each([
    'records:delete',
    'ADMIN',
    'Admin',
    'admin ',
    ' admin',
    '',
    'records',
    'records:*',
    '*',
    'thread:nope:read',
    `thread:${T1}:delete`,
    `thread:${T1}:READ`,
    `thread:${T1}`,
    `thread:${T1}:read:write`,
    `thread:${T1.toUpperCase()}:read`,
    `thread:th_${'a'.repeat(63)}:read`,
    `thread:th_${'a'.repeat(65)}:read`,
    'thread::read',
    'thread:th_other:read',
    `Thread:${T1}:read`,
  ])('rejects %j', (scope) => {
    expect(isScope(scope)).toBe(false);
  });
});

describe('allows', () => {
  it('lets admin do everything, with or without a thread', () => {
    for (const s of SCOPES) {
      expect(allows(['admin'], s)).toBe(true);
      expect(allows(['admin'], s, T1)).toBe(true);
    }
  });

  it('allows exactly the scopes granted', () => {
    expect(allows(['records:read'], 'records:read')).toBe(true);
    expect(allows(['records:read'], 'records:write')).toBe(false);
    expect(allows(['config:read'], 'config:write')).toBe(false);
    expect(allows([], 'records:read')).toBe(false);
    expect(allows([], 'records:read', T1)).toBe(false);
  });

  it('does not let records:write imply records:read', () => {
    expect(allows(['records:write'], 'records:write')).toBe(true);
    expect(allows(['records:write'], 'records:read')).toBe(false);
    expect(allows(['records:write'], 'records:read', T1)).toBe(false);
  });

  it('lets a read grain read its own thread only, and only when the thread is named', () => {
    const granted = [`thread:${T1}:read`];
    expect(allows(granted, 'records:read', T1)).toBe(true);
    expect(allows(granted, 'records:read', T2)).toBe(false);
    expect(allows(granted, 'records:read')).toBe(false);
    expect(allows(granted, 'records:write', T1)).toBe(false);
    expect(allows(granted, 'threads:write', T1)).toBe(false);
    expect(allows(granted, 'config:read', T1)).toBe(false);
  });

  it('lets a write grain read and write its own thread only', () => {
    const granted = [`thread:${T1}:write`];
    expect(allows(granted, 'records:write', T1)).toBe(true);
    expect(allows(granted, 'records:read', T1)).toBe(true);
    expect(allows(granted, 'records:write', T2)).toBe(false);
    expect(allows(granted, 'records:read', T2)).toBe(false);
    expect(allows(granted, 'records:write')).toBe(false);
    expect(allows(granted, 'records:read')).toBe(false);
    expect(allows(granted, 'admin', T1)).toBe(false);
  });
});
