/**
 * Most answers a fold remembers whose target it has not seen. Records from another instance
 * arrive in causal order only, and an answer (`fulfills`, `cancels`, a `handles` notice) need not
 * list what it answers among its parents, so it can come first; the fold must still apply it when
 * the target arrives, or two instances holding the same records would disagree. A fold cannot
 * tell "not arrived yet" from "answered long ago" or "not something this fold tracks" without
 * remembering every id it ever saw, so it keeps the most recent answers to unknown targets only:
 * past this many the oldest is forgotten. At the cap a fold holds about 11 MB (AITL) or 16 MB
 * (work) of them, and its fold snapshot grows by 7 to 12 MB. An answer that precedes its target
 * by more than this many other early answers is lost.
 */
export const MAX_EARLY_ANSWERS = 100_000;

/**
 * Remembers `value` for `target` in an insertion-ordered memory (a Map or Set keyed by target),
 * forgetting the oldest entries beyond `cap`. A target already remembered keeps its place: its
 * age counts from its first early answer.
 */
export function rememberEarly<V>(memory: Map<string, V>, target: string, value: V, cap = MAX_EARLY_ANSWERS): void {
  memory.set(target, value);
  forgetOldest(memory, cap);
}

/** Like {@link rememberEarly}, for a memory that holds only the targets. */
export function rememberEarlyId(memory: Set<string>, target: string, cap = MAX_EARLY_ANSWERS): void {
  memory.add(target);
  forgetOldest(memory, cap);
}

function forgetOldest(memory: Map<string, unknown> | Set<string>, cap: number): void {
  // Maps and Sets iterate in insertion order, so the first key is the oldest.
  while (memory.size > cap) memory.delete(memory.keys().next().value as string);
}
