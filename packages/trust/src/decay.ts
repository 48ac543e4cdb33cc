import { COLD_START_SCORE } from './wilson.js';

/** Days after which old evidence counts for half as much; the SPEC fixes it at 30. */
export const HALF_LIFE_DAYS = 30;

/**
 * Weight (0..1] that evidence last seen `days` ago still carries: exp(−days · ln2 / HALF_LIFE_DAYS).
 * Negative ages come from clock skew between writer and reader, not from the future; they are
 * clamped to 0 so skew can never make a score fresher than fresh (weight above 1).
 */
export function freshness(days: number): number {
  return Math.exp((-Math.max(0, days) * Math.LN2) / HALF_LIFE_DAYS);
}

/**
 * A raw score blended toward COLD_START_SCORE as its evidence ages:
 * raw · freshness + COLD_START_SCORE · (1 − freshness).
 *
 * Decaying toward the formula's own no-evidence value (not a fixed constant) means an actor who
 * goes quiet ends up exactly where a newcomer starts, so the model stays self-consistent.
 */
export function effectiveScore(raw: number, days: number): number {
  const f = freshness(days);
  // Written as the SPEC states it; at f = 1 this returns raw exactly and at f = 0 the cold start.
  return raw * f + COLD_START_SCORE * (1 - f);
}
