/**
 * Prior pseudo-successes added to every actor's record. Together with PRIOR_TRIALS this is the
 * SPEC's "Beta(7,10) prior": 7 imagined successes out of 10 imagined trials, so a newcomer starts
 * at a modest, not zero, trust and a handful of verdicts cannot swing the score to an extreme.
 */
export const PRIOR_SUCCESSES = 7;

/** Prior pseudo-trials added to every actor's record (see PRIOR_SUCCESSES). */
export const PRIOR_TRIALS = 10;

/** Normal quantile for a two-sided 95% interval; the SPEC fixes z at 1.96. */
export const Z_95 = 1.96;

/**
 * Wilson score lower bound of the success rate, computed on the prior-smoothed counts.
 *
 * The SPEC's reading is taken literally: p̂ = (successes + 7) / (trials + 10) and n' = trials + 10
 * are plugged into the ordinary Wilson lower bound
 *
 *   (p̂ + z²/2n' − z·√(p̂(1 − p̂)/n' + z²/4n'²)) / (1 + z²/n')
 *
 * which yields the SPEC's check values wilson(10, 10) ≈ 0.6396 and wilson(0, 0) ≈ 0.3968.
 * ("Beta(7,10)" in the SPEC names 7 successes in 10 pseudo-trials, i.e. 7 successes and 3 failures,
 * not the textbook Beta(α=7, β=10); only the former reproduces the check values.)
 *
 * Inputs are not validated here: this is the low-level formula; `trustScore` validates.
 *
 * @example
 * wilsonLowerBound(10, 10); // ≈ 0.6396
 */
export function wilsonLowerBound(successes: number, trials: number, z: number = Z_95): number {
  const n = trials + PRIOR_TRIALS;
  const p = (successes + PRIOR_SUCCESSES) / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return (centre - margin) / (1 + z2 / n);
}

/**
 * The score of an actor with no evidence at all (≈ 0.3968). Decay pulls stale scores back toward
 * this value, so it is derived from the formula rather than hard-coded to stay self-consistent.
 */
export const COLD_START_SCORE: number = wilsonLowerBound(0, 0);
