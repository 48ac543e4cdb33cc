import { effectiveScore, freshness } from './decay.js';
import { dialCeiling } from './dial.js';
import type { Result } from './result.js';
import { wilsonLowerBound } from './wilson.js';

/** Milliseconds in a day; timestamps are ms since the epoch and decay is measured in days. */
export const MS_PER_DAY = 86_400_000;

/** Evidence counts and timestamps for one (actor, domain) pair. */
export interface TrustInput {
  /** Verdicts that judged the work a success; a finite integer, 0 ≤ successes ≤ trials. */
  successes: number;
  /** All counted verdicts; a finite integer ≥ 0. */
  trials: number;
  /** Time (ms epoch) of the latest counted verdict; required when trials > 0, ignored otherwise. */
  lastEvidenceAt?: number | null;
  /** Current time (ms epoch), passed in so the computation stays pure and reproducible. */
  now: number;
}

/**
 * Trust for one (actor, domain) pair.
 *
 * Invariants: `raw` = wilsonLowerBound(successes, trials); 0 < freshness ≤ 1 (1 when trials = 0);
 * `effective` lies between `raw` and COLD_START_SCORE; `dial` = dialCeiling(effective).
 */
export interface TrustScore {
  /** Successes counted, echoed back. */
  successes: number;
  /** Trials counted, echoed back. */
  trials: number;
  /** Prior-smoothed Wilson lower bound, before decay. */
  raw: number;
  /** Weight the evidence still carries given its age. */
  freshness: number;
  /** Raw score decayed toward the cold-start score. */
  effective: number;
  /** Autonomy ceiling implied by the effective score. */
  dial: number;
}

/** Why a TrustInput was rejected: the offending field and a human-readable reason. */
export interface TrustInputError {
  /** Name of the offending TrustInput field. */
  field: keyof TrustInput;
  /** What is wrong with it, safe to show to an operator. */
  message: string;
}

/**
 * Compute raw, decayed and dial-capped trust from evidence counts, or say which input is bad.
 *
 * @example
 * const r = trustScore({ successes: 10, trials: 10, lastEvidenceAt: t, now: t });
 * if (r.ok) r.value.effective; // ≈ 0.6396
 */
export function trustScore(input: TrustInput): Result<TrustScore, TrustInputError> {
  const error = validate(input);
  if (error) return { ok: false, error };

  const { successes, trials } = input;
  const raw = wilsonLowerBound(successes, trials);
  // No evidence means nothing to age: the score is the cold start itself, at full weight.
  if (trials === 0) {
    return { ok: true, value: { successes, trials, raw, freshness: 1, effective: raw, dial: dialCeiling(raw) } };
  }
  // validate() guarantees lastEvidenceAt is a finite number when trials > 0.
  const days = (input.now - (input.lastEvidenceAt as number)) / MS_PER_DAY;
  const effective = effectiveScore(raw, days);
  return {
    ok: true,
    value: { successes, trials, raw, freshness: freshness(days), effective, dial: dialCeiling(effective) },
  };
}

function validate(input: TrustInput): TrustInputError | undefined {
  const { successes, trials, lastEvidenceAt, now } = input;
  if (!isCount(successes)) return { field: 'successes', message: 'successes must be a non-negative integer' };
  if (!isCount(trials)) return { field: 'trials', message: 'trials must be a non-negative integer' };
  if (successes > trials) return { field: 'successes', message: 'successes must not exceed trials' };
  if (!isTimestamp(now)) return { field: 'now', message: 'now must be a finite millisecond timestamp' };
  if (trials > 0 && !isTimestamp(lastEvidenceAt)) {
    return { field: 'lastEvidenceAt', message: 'lastEvidenceAt must be a finite millisecond timestamp when trials > 0' };
  }
  return undefined;
}

function isCount(value: unknown): value is number {
  // Number.isSafeInteger also rejects NaN, ±Infinity, fractions and non-numbers from untyped callers.
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
