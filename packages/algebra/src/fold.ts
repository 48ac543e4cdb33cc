/**
 * A left fold over records: live state is `fold(records)`.
 *
 * Invariants: `step` is pure and must not mutate its input state in a way another holder of it
 * could observe unless the fold owns that state (the kernel's folds own theirs); for any split of
 * a sequence, folding the prefix then the rest equals folding the whole.
 */
export interface Fold<S, R> {
  readonly initial: () => S;
  readonly step: (state: S, item: R) => S;
}

/** Builds a fold from an initial-state factory and a step function. */
export function fold<S, R>(initial: () => S, step: (state: S, item: R) => S): Fold<S, R> {
  return { initial, step };
}

/** Runs a fold over items, starting from `from` (default: a fresh initial state). */
export function runFold<S, R>(f: Fold<S, R>, items: Iterable<R>, from: S = f.initial()): S {
  let state = from;
  for (const item of items) state = f.step(state, item);
  return state;
}

/** Runs several folds in one pass over the same items; the state is an object of their states. */
export function combineFolds<F extends { readonly [name: string]: Fold<unknown, R> }, R>(
  folds: F,
): Fold<{ [K in keyof F]: F[K] extends Fold<infer S, R> ? S : never }, R> {
  type States = { [K in keyof F]: F[K] extends Fold<infer S, R> ? S : never };
  const names = Object.keys(folds) as (keyof F)[];
  return {
    initial: () => {
      const states = {} as States;
      for (const name of names) states[name] = (folds[name] as Fold<unknown, R>).initial() as States[typeof name];
      return states;
    },
    step: (states, item) => {
      const next = { ...states };
      for (const name of names) next[name] = (folds[name] as Fold<unknown, R>).step(states[name], item) as States[typeof name];
      return next;
    },
  };
}
