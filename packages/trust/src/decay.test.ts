import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLD_START_SCORE, HALF_LIFE_DAYS, effectiveScore, freshness } from './index.js';

// Absorbs one-ulp rounding in the convex blend; far below any difference that matters.
const EPS = 1e-12;
const scoreArb = fc.double({ min: 0, max: 1, noNaN: true });
const daysArb = fc.double({ min: 0, max: 10_000, noNaN: true });

describe('freshness', () => {
  it('halves every HALF_LIFE_DAYS', () => {
    expect(HALF_LIFE_DAYS).toBe(30);
    expect(freshness(0)).toBe(1);
    expect(freshness(15)).toBeCloseTo(Math.SQRT1_2, 10);
    expect(freshness(30)).toBeCloseTo(0.5, 12);
    expect(freshness(60)).toBeCloseTo(0.25, 12);
    expect(freshness(90)).toBeCloseTo(0.125, 12);
  });

  it('treats negative ages (clock skew) as fresh, never fresher', () => {
    expect(freshness(-5)).toBe(1);
    expect(freshness(-1e9)).toBe(1);
    expect(effectiveScore(0.9, -3)).toBe(0.9);
  });

  it('never increases as days grow', () => {
    fc.assert(fc.property(daysArb, daysArb, (a, b) => freshness(Math.max(a, b)) <= freshness(Math.min(a, b))));
  });
});

describe('effectiveScore', () => {
  it('decays toward the cold-start score at the SPEC checkpoints', () => {
    const raw = 0.6396;
    const cases: Array<[days: number, f: number]> = [
      [0, 1],
      [15, Math.SQRT1_2],
      [30, 0.5],
      [60, 0.25],
      [90, 0.125],
    ];
    for (const [days, f] of cases) {
      expect(effectiveScore(raw, days)).toBeCloseTo(raw * f + COLD_START_SCORE * (1 - f), 12);
    }
    expect(effectiveScore(raw, 0)).toBe(raw);
    expect(effectiveScore(raw, 30)).toBeCloseTo((raw + COLD_START_SCORE) / 2, 12);
    // Long silence lands exactly where a newcomer starts.
    expect(effectiveScore(raw, 1e6)).toBe(COLD_START_SCORE);
  });

  it('always lies between raw and the cold-start score', () => {
    fc.assert(
      fc.property(scoreArb, daysArb, (raw, days) => {
        const e = effectiveScore(raw, days);
        return e >= Math.min(raw, COLD_START_SCORE) - EPS && e <= Math.max(raw, COLD_START_SCORE) + EPS;
      }),
    );
  });

  it('moves monotonically toward the cold-start score as days grow', () => {
    fc.assert(
      fc.property(scoreArb, daysArb, daysArb, (raw, a, b) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        const distEarly = Math.abs(effectiveScore(raw, early) - COLD_START_SCORE);
        const distLate = Math.abs(effectiveScore(raw, late) - COLD_START_SCORE);
        return distLate <= distEarly + EPS;
      }),
    );
  });
});
