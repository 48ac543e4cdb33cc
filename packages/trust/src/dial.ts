/** Scores below this get the lowest ceiling. */
export const DIAL_THRESHOLD_LOW = 0.3;

/** Scores below this (and at least DIAL_THRESHOLD_LOW) get the middle-low ceiling. */
export const DIAL_THRESHOLD_MID = 0.5;

/** Scores below this (and at least DIAL_THRESHOLD_MID) get the middle-high ceiling; at or above it, full. */
export const DIAL_THRESHOLD_HIGH = 0.7;

/** Ceiling for the least-trusted actors (score < 0.30). */
export const DIAL_CEILING_LOW = 1 / 3;

/** Ceiling for scores in [0.30, 0.50). */
export const DIAL_CEILING_MID = 0.5;

/** Ceiling for scores in [0.50, 0.70). */
export const DIAL_CEILING_HIGH = 2 / 3;

/** Ceiling for scores ≥ 0.70: no restriction. */
export const DIAL_CEILING_FULL = 1;

/**
 * Maximum autonomy dial an actor may be given for a trust score.
 * Boundaries are half-open: a score exactly at a threshold gets the higher ceiling.
 *
 * @example
 * dialCeiling(0.6396); // 2/3
 */
export function dialCeiling(score: number): number {
  // `!(score >= …)` rather than `score < …` so a NaN (a bug upstream) fails closed to the
  // lowest ceiling instead of falling through to full autonomy.
  if (!(score >= DIAL_THRESHOLD_LOW)) return DIAL_CEILING_LOW;
  if (score < DIAL_THRESHOLD_MID) return DIAL_CEILING_MID;
  if (score < DIAL_THRESHOLD_HIGH) return DIAL_CEILING_HIGH;
  return DIAL_CEILING_FULL;
}
