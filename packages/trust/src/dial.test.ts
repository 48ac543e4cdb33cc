import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DIAL_CEILING_FULL,
  DIAL_CEILING_HIGH,
  DIAL_CEILING_LOW,
  DIAL_CEILING_MID,
  DIAL_THRESHOLD_HIGH,
  DIAL_THRESHOLD_LOW,
  DIAL_THRESHOLD_MID,
  dialCeiling,
} from './index.js';

// Small enough to sit "just" either side of a boundary, large enough to survive float rounding.
const NUDGE = 1e-9;

describe('dialCeiling', () => {
  it('pins the SPEC thresholds and ceilings', () => {
    expect([DIAL_THRESHOLD_LOW, DIAL_THRESHOLD_MID, DIAL_THRESHOLD_HIGH]).toEqual([0.3, 0.5, 0.7]);
    expect(DIAL_CEILING_LOW).toBeCloseTo(0.3333, 4);
    expect(DIAL_CEILING_MID).toBe(0.5);
    expect(DIAL_CEILING_HIGH).toBeCloseTo(0.6667, 4);
    expect(DIAL_CEILING_FULL).toBe(1);
  });

  it('switches exactly at each threshold (half-open: the threshold takes the higher ceiling)', () => {
    const cases: Array<[score: number, ceiling: number]> = [
      [0, 1 / 3],
      [0.3 - NUDGE, 1 / 3],
      [0.3, 0.5],
      [0.3 + NUDGE, 0.5],
      [0.5 - NUDGE, 0.5],
      [0.5, 2 / 3],
      [0.5 + NUDGE, 2 / 3],
      [0.7 - NUDGE, 2 / 3],
      [0.7, 1],
      [0.7 + NUDGE, 1],
      [1, 1],
    ];
    for (const [score, ceiling] of cases) expect(dialCeiling(score), `score ${score}`).toBe(ceiling);
  });

  it('gives a newcomer (cold start ≈ 0.3968) the 0.5 ceiling', () => {
    expect(dialCeiling(0.3968)).toBe(0.5);
  });

  it('fails closed on NaN', () => {
    expect(dialCeiling(Number.NaN)).toBe(DIAL_CEILING_LOW);
  });

  it('never lowers the ceiling for a higher score', () => {
    const arb = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(fc.property(arb, arb, (a, b) => dialCeiling(Math.max(a, b)) >= dialCeiling(Math.min(a, b))));
  });
});
