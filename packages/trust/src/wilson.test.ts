import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLD_START_SCORE, PRIOR_SUCCESSES, PRIOR_TRIALS, Z_95, wilsonLowerBound } from './index.js';

// Counts well beyond any realistic verdict history, small enough to keep runs fast.
const trialsArb = fc.integer({ min: 0, max: 100_000 });
const countsArb = trialsArb.chain((trials) => fc.tuple(fc.integer({ min: 0, max: trials }), fc.constant(trials)));

describe('wilsonLowerBound', () => {
  it('matches the SPEC check values', () => {
    expect(wilsonLowerBound(10, 10)).toBeCloseTo(0.6396, 4);
    expect(wilsonLowerBound(0, 0)).toBeCloseTo(0.3968, 4);
  });

  it('pins the SPEC constants', () => {
    expect(PRIOR_SUCCESSES).toBe(7);
    expect(PRIOR_TRIALS).toBe(10);
    expect(Z_95).toBe(1.96);
    expect(COLD_START_SCORE).toBe(wilsonLowerBound(0, 0));
    expect(COLD_START_SCORE).toBeCloseTo(0.3968, 4);
  });

  it('uses z = 1.96 by default, and a wider z gives a lower bound', () => {
    expect(wilsonLowerBound(10, 10)).toBe(wilsonLowerBound(10, 10, Z_95));
    expect(wilsonLowerBound(10, 10, 2.576)).toBeLessThan(wilsonLowerBound(10, 10));
  });

  it('stays strictly inside (0, 1)', () => {
    fc.assert(
      fc.property(countsArb, ([s, n]) => {
        const raw = wilsonLowerBound(s, n);
        return raw > 0 && raw < 1;
      }),
    );
  });

  it('never drops when more of the same trials are successes', () => {
    fc.assert(
      fc.property(countsArb, fc.nat(), ([s, n], extra) => {
        const more = s + (extra % (n - s + 1)); // s ≤ more ≤ n
        return wilsonLowerBound(more, n) >= wilsonLowerBound(s, n);
      }),
    );
  });

  it('never drops when a success is added', () => {
    fc.assert(fc.property(countsArb, ([s, n]) => wilsonLowerBound(s + 1, n + 1) >= wilsonLowerBound(s, n)));
  });

  it('never rises when a failure is added', () => {
    fc.assert(fc.property(countsArb, ([s, n]) => wilsonLowerBound(s, n + 1) <= wilsonLowerBound(s, n)));
  });
});
