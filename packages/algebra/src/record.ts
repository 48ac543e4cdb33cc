/** The coordination acts and the effect acts a record may carry (SPEC §3). */
export const ACTS = ['INTEND', 'DO', 'KNOW', 'LEARN', 'GET', 'PUT', 'CALL', 'MAP'] as const;

/** The shapes of data a record's body may describe. */
export const DATA_TYPES = ['SCALAR', 'FORMULA', 'DISTRIBUTION', 'REFERENCE', 'MORPHISM', 'VOID'] as const;

/** One of {@link ACTS}. */
export type Act = (typeof ACTS)[number];

/** One of {@link DATA_TYPES}. */
export type DataType = (typeof DATA_TYPES)[number];

/** A JSON value as it can appear in a record body. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object: the only shape a record body may take. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * An immutable entry of the log.
 *
 * Invariants (enforced by {@link validateRecord}):
 * - `parents` holds record ids (64 lowercase hex), sorted ascending, without duplicates;
 * - `thread` is `th_` + 64 lowercase hex, or a reserved thread name;
 * - `actor` is a DID `did:sync:<kind>:<id>`;
 * - `clock` is a safe integer ≥ 0, strictly increasing per (actor, thread) across the log;
 * - `body` is a JSON object with finite numbers only;
 * - `judged_by` is not part of the record's id, so re-judging never forks identity.
 */
export interface LogRecord {
  readonly parents: readonly string[];
  readonly thread: string;
  readonly actor: string;
  readonly act: Act;
  readonly body: JsonObject;
  readonly clock: number;
  readonly data_type: DataType;
  readonly judged_by: string | null;
  /** Optional Ed25519 signature (hex) by the actor over the canonical bytes; not part of the id. */
  readonly sig?: string;
}

/** A record as the log holds it: its content id and its position in the log. */
export interface StoredRecord extends LogRecord {
  readonly id: string;
  /** Position in the log: strictly increasing, assigned at append, never reused. */
  readonly seq: number;
  /** When the log accepted it (ms since the epoch). A fact of the log, not of the record: not part of the id. */
  readonly ingested_at: number;
}

/** Threads the kernel owns; they carry config, accounts, pairings and audit, and never federate. */
export const RESERVED_THREADS = ['th_engine_config', 'th_service_accounts', 'th_federation_pairs', 'th_audit'] as const;

/** One of {@link RESERVED_THREADS}. */
export type ReservedThread = (typeof RESERVED_THREADS)[number];

/**
 * @deprecated Use {@link LogRecord}: this name shadows TypeScript's built-in `Record<K, V>`
 * wherever it is imported. Kept so code written against the first release still compiles.
 */
export type Record = LogRecord;

/**
 * The record a stored one holds, without what the log added (`id`, `seq`, `ingested_at`): what
 * to send again (to another kernel, another instance) or to hash. `judged_by` and `sig` are kept.
 *
 * @example
 * const again = await other.ingest(toRecord(stored)); // the same id
 */
export function toRecord(stored: LogRecord | StoredRecord): LogRecord {
  const { parents, thread, actor, act, body, clock, data_type, judged_by, sig } = stored;
  return { parents, thread, actor, act, body, clock, data_type, judged_by, ...(sig === undefined ? {} : { sig }) };
}
