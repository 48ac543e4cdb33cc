import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLD_START_SCORE, MS_PER_DAY, dialCeiling, effectiveScore, trustScore, wilsonLowerBound } from './index.js';
import type { TrustInput } from './index.js';

const NOW = Date.UTC(2025, 0, 1);

function ok(input: TrustInput) {
  const r = trustScore(input);
  if (!r.ok) throw new Error(`unexpected error: ${r.error.field}: ${r.error.message}`);
  return r.value;
}

describe('trustScore', () => {
  it('MS_PER_DAY is one day in milliseconds', () => {
    expect(MS_PER_DAY).toBe(24 * 60 * 60 * 1000);
  });

  it('gives the cold start, at full freshness, with no evidence', () => {
    for (const lastEvidenceAt of [undefined, null, NOW - 365 * MS_PER_DAY]) {
      const v = ok({ successes: 0, trials: 0, lastEvidenceAt, now: NOW });
      expect(v).toEqual({
        successes: 0,
        trials: 0,
        raw: COLD_START_SCORE,
        freshness: 1,
        effective: COLD_START_SCORE,
        dial: 0.5,
      });
    }
  });

  it('reports fresh evidence undecayed', () => {
    const v = ok({ successes: 10, trials: 10, lastEvidenceAt: NOW, now: NOW });
    expect(v.raw).toBeCloseTo(0.6396, 4);
    expect(v.freshness).toBe(1);
    expect(v.effective).toBe(v.raw);
    expect(v.dial).toBeCloseTo(2 / 3, 12);
  });

  it('decays by the age in days between lastEvidenceAt and now', () => {
    for (const [days, f] of [
      [15, Math.SQRT1_2],
      [30, 0.5],
      [60, 0.25],
      [90, 0.125],
    ] as const) {
      const v = ok({ successes: 10, trials: 10, lastEvidenceAt: NOW - days * MS_PER_DAY, now: NOW });
      expect(v.freshness).toBeCloseTo(f, 12);
      expect(v.effective).toBeCloseTo(v.raw * f + COLD_START_SCORE * (1 - f), 12);
      expect(v.dial).toBe(dialCeiling(v.effective));
    }
  });

  it('treats evidence from the future (clock skew) as fresh', () => {
    const v = ok({ successes: 3, trials: 4, lastEvidenceAt: NOW + MS_PER_DAY, now: NOW });
    expect(v.freshness).toBe(1);
    expect(v.effective).toBe(v.raw);
  });

  it('rejects bad input with the offending field instead of throwing', () => {
    const base = { successes: 1, trials: 2, lastEvidenceAt: NOW, now: NOW };
    const bad: Array<[Partial<Record<keyof TrustInput, unknown>>, keyof TrustInput]> = [
      [{ successes: -1 }, 'successes'],
      [{ successes: 0.5 }, 'successes'],
      [{ successes: Number.NaN }, 'successes'],
      [{ successes: '1' }, 'successes'],
      [{ trials: -2 }, 'trials'],
      [{ trials: Number.POSITIVE_INFINITY }, 'trials'],
      [{ trials: 2.5 }, 'trials'],
      [{ successes: 3, trials: 2 }, 'successes'],
      [{ now: Number.NaN }, 'now'],
      [{ now: undefined }, 'now'],
      [{ lastEvidenceAt: null }, 'lastEvidenceAt'],
      [{ lastEvidenceAt: undefined }, 'lastEvidenceAt'],
      [{ lastEvidenceAt: Number.NEGATIVE_INFINITY }, 'lastEvidenceAt'],
    ];
    for (const [patch, field] of bad) {
      const r = trustScore({ ...base, ...patch } as TrustInput);
      expect(r.ok, JSON.stringify(patch)).toBe(false);
      if (!r.ok) {
        expect(r.error.field).toBe(field);
        expect(r.error.message).toContain(field);
      }
    }
  });

  it('agrees with the low-level functions for any valid input', () => {
    const arb = fc
      .integer({ min: 0, max: 10_000 })
      .chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n), fc.integer({ min: -10, max: 3650 })));
    fc.assert(
      fc.property(arb, ([successes, trials, ageDays]) => {
        const v = ok({ successes, trials, lastEvidenceAt: NOW - ageDays * MS_PER_DAY, now: NOW });
        const raw = wilsonLowerBound(successes, trials);
        const effective = trials === 0 ? raw : effectiveScore(raw, ageDays);
        return v.raw === raw && v.effective === effective && v.dial === dialCeiling(effective);
      }),
    );
  });
});
