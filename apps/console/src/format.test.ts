import { describe, expect, it } from 'vitest';
import { bytes, duration, shortId, timestamp } from './format.js';

describe('formatting', () => {
  it('shows times in UTC, durations in two units, sizes in binary units, long ids shortened', () => {
    expect(timestamp('2026-01-02T03:04:05.678Z')).toBe('2026-01-02 03:04:05 UTC');
    expect(timestamp(null)).toBe('—');
    expect([duration(0), duration(42), duration(3_725), duration(90_061)]).toEqual(['0s', '42s', '1h 2m', '1d 1h']);
    expect([bytes(12), bytes(1536), bytes(null)]).toEqual(['12 B', '1.5 KiB', '—']);
    expect(shortId(`th_${'a'.repeat(64)}`)).toBe(`th_${'a'.repeat(9)}…`);
    expect(shortId('th_audit')).toBe('th_audit');
  });
});
