import { describe, expect, it } from 'vitest';
import { hashOf, parseHash } from './router.js';

describe('hash navigation', () => {
  it('names each view, health by default', () => {
    expect(parseHash('')).toEqual({ view: 'health' });
    expect(parseHash('#/')).toEqual({ view: 'health' });
    for (const view of ['health', 'threads', 'aitl', 'trust', 'backups'] as const) expect(parseHash(`#/${view}`)).toEqual({ view });
    expect(parseHash('#/threads/')).toEqual({ view: 'threads' });
  });

  it('reads a thread id, and round-trips it through hashOf', () => {
    const id = `th_${'ab'.repeat(32)}`;
    expect(parseHash(`#/threads/${id}`)).toEqual({ view: 'thread', id });
    expect(parseHash(hashOf({ view: 'thread', id: 'th_engine_config' }))).toEqual({ view: 'thread', id: 'th_engine_config' });
  });

  it('refuses what is no thread id or no view', () => {
    for (const hash of ['#/threads/a%2Fb', '#/threads/%E0%A4%A', '#/threads/<script>', '#/nope', '#/threads/a/b']) expect(parseHash(hash).view, hash).toBe('unknown');
  });
});
