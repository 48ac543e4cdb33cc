/** Largest canonical JSON of one record, in UTF-8 bytes. Larger payloads belong in files, referenced. */
export const MAX_RECORD_BYTES = 256 * 1024;

/** Most records accepted in one batch append. */
export const MAX_BATCH_RECORDS = 1000;

/**
 * Most records committed in one group. Ingest gathers the writes that arrive within one turn of
 * the event loop into a single transaction; past this size it commits at once instead of waiting.
 */
export const MAX_GROUP_RECORDS = 4096;

/**
 * Commit groups that may be in the store's hands at once. Two lets the writer start the next
 * group the moment one commits, instead of waiting for the main thread to hand it over.
 */
export const MAX_GROUPS_IN_FLIGHT = 2;

/**
 * Rounds of fetching from the store one write's planning may ask for (each round fetches what the
 * last plan lacked: an answered record, a thread that left memory) before it gives up.
 */
export const MAX_PLAN_ROUNDS = 8;

/**
 * Times a write is planned again after a shared log's database refused it because another kernel
 * wrote first (the same id, or the clock). Live state catches up before each retry.
 */
export const MAX_CONFLICT_RETRIES = 3;

/** Records folded between yields to the event loop during the startup rebuild. */
export const REBUILD_YIELD_EVERY = 5000;

/**
 * Largest step a record's clock may take past its actor's previous clock on the same thread (the
 * first clock on a thread counts from -1, so it is at most MAX_CLOCK_STEP - 1). Clocks are
 * capped at 2^53 - 1, so without a bound one record could use up an actor's clock on a thread for
 * good; with it, that takes billions of records.
 */
export const MAX_CLOCK_STEP = 1_000_000;

/** Records (seq, id) a fold snapshot samples across the log prefix it stands for, to recognise that prefix. */
export const FOLD_SNAPSHOT_SAMPLES = 16;

/**
 * Closed threads leave memory once quiet: every time the log passes a multiple of
 * THREAD_EVICT_EVERY records, each closed thread whose last record is more than
 * THREAD_QUIET_RECORDS back is replaced by its first seq (its state and clocks come from the
 * store when asked, and come back if it gets a record).
 */
export const THREAD_EVICT_EVERY = 65_536;
export const THREAD_QUIET_RECORDS = 100_000;
