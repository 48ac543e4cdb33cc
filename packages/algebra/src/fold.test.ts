import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineFolds, fold, runFold } from '@syncropel/algebra';

const sum = fold<number, number>(() => 0, (s, x) => s + x);
const lastPerKey = fold<{ [k: string]: number }, number>(() => ({}), (s, x) => ({ ...s, [`k${x % 5}`]: x }));

describe('folds', () => {
  it('folding a prefix then the rest equals folding all', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 })), fc.nat(), (xs, cut) => {
        const k = xs.length === 0 ? 0 : cut % (xs.length + 1);
        const both = combineFolds({ sum, lastPerKey });
        const whole = runFold(both, xs);
        const split = runFold(both, xs.slice(k), runFold(both, xs.slice(0, k)));
        expect(split).toEqual(whole);
      }),
    );
  });

  it('the same items give the same state', () => {
    fc.assert(fc.property(fc.array(fc.integer()), (xs) => {
        expect(runFold(lastPerKey, xs)).toEqual(runFold(lastPerKey, [...xs]));
      }),
    );
  });
});
