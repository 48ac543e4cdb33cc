import { expect, it } from 'vitest';
import * as trust from './index.js';

// The public surface is checked by machine so any API change shows up in review.
it('exports exactly the public API', () => {
  expect(Object.keys(trust).sort()).toEqual([
    'COLD_START_SCORE',
    'DIAL_CEILING_FULL',
    'DIAL_CEILING_HIGH',
    'DIAL_CEILING_LOW',
    'DIAL_CEILING_MID',
    'DIAL_THRESHOLD_HIGH',
    'DIAL_THRESHOLD_LOW',
    'DIAL_THRESHOLD_MID',
    'HALF_LIFE_DAYS',
    'MS_PER_DAY',
    'PRIOR_SUCCESSES',
    'PRIOR_TRIALS',
    'Z_95',
    'dialCeiling',
    'effectiveScore',
    'freshness',
    'trustScore',
    'wilsonLowerBound',
  ]);
});
