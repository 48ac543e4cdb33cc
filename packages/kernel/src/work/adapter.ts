import type { JsonValue, StoredRecord } from '@syncropel/algebra';

/** What an adapter made of a record: success with its JSON output, or failure with a reason. */
export type AdapterOutcome = { readonly ok: true; readonly output: JsonValue } | { readonly ok: false; readonly error: string; readonly output?: JsonValue };

/**
 * Runs a record somewhere else and reports back. Implementations must never throw for the
 * adapter's own faults (crash, garbage, timeout): those are failure outcomes, so a broken adapter
 * costs a failure verdict, never the daemon.
 */
export interface Adapter {
  run(record: StoredRecord, signal: AbortSignal): Promise<AdapterOutcome>;
}

/** An adapter as configured (topic `adapter`): the actor it acts as, and how to reach it. */
export interface AdapterConfig {
  readonly name: string;
  /** The DID this adapter acts as; routing targets name it. */
  readonly actor: string;
  readonly kind: 'exec' | 'http';
  readonly command?: string;
  readonly url?: string;
  /** The domain it serves, for trust-based routing. */
  readonly domain?: string;
  readonly timeout_secs: number;
}

/** Default and bounds of an adapter's timeout. */
export const DEFAULT_ADAPTER_TIMEOUT_SECS = 30;
export const MAX_ADAPTER_TIMEOUT_SECS = 3600;

/** Largest adapter output kept, in bytes; more is a failure (the output would not fit a record). */
export const MAX_ADAPTER_OUTPUT_BYTES = 128 * 1024;
