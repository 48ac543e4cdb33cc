import { sha256Hex } from '@syncropel/algebra';

/**
 * The id of the pair between two instances: `fed_` + SHA-256 (hex) of their DIDs sorted and
 * joined by a newline. Either side computes the same id, so a pair is named the same on both, and
 * two instances have at most one pair (a revoked pair stays revoked: see README, Federation).
 */
export function pairIdOf(didA: string, didB: string): string {
  return `fed_${sha256Hex([didA, didB].sort().join('\n'))}`;
}

/** True for a string shaped like a pair id. */
export function isPairId(value: string): boolean {
  return /^fed_[0-9a-f]{64}$/.test(value);
}
