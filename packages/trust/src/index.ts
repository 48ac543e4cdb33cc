/**
 * @syncropel/trust — pure trust statistics: a prior-smoothed Wilson lower bound over verdict
 * counts, exponential decay toward the cold-start score, and the autonomy dial ceiling.
 * No I/O and no Node APIs, so it runs unchanged in a browser or WASM host.
 */
export { COLD_START_SCORE, PRIOR_SUCCESSES, PRIOR_TRIALS, Z_95, wilsonLowerBound } from './wilson.js';
export { HALF_LIFE_DAYS, effectiveScore, freshness } from './decay.js';
export {
  DIAL_CEILING_FULL,
  DIAL_CEILING_HIGH,
  DIAL_CEILING_LOW,
  DIAL_CEILING_MID,
  DIAL_THRESHOLD_HIGH,
  DIAL_THRESHOLD_LOW,
  DIAL_THRESHOLD_MID,
  dialCeiling,
} from './dial.js';
export { MS_PER_DAY, trustScore } from './score.js';
export type { TrustInput, TrustInputError, TrustScore } from './score.js';
export type { Result } from './result.js';
