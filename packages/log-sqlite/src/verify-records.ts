import { hash } from 'node:crypto';
import { recordId } from '@syncropel/algebra';
import Database from 'better-sqlite3';
import { RECORD_COLUMNS, recordFromRow, type RecordRow } from '@syncropel/log';

/** How much of SQLite's own page check runs besides the record check. */
export type IntegrityLevel = 'full' | 'quick' | 'none';

/** Options for {@link verifyRecords}. */
export interface VerifyRecordsOptions {
  /** `full` = `PRAGMA integrity_check`, `quick` = `quick_check`; default `full`. */
  readonly integrity?: IntegrityLevel;
  /** Stop listing problems after this many (the count of bad records goes on). Default 20. */
  readonly maxProblems?: number;
  /** A record id the file must hold (e.g. an older backup's head); reported in `has_record`. */
  readonly mustHold?: string | null;
}

/** What checking a log database found. `ok` means page integrity fine and every record verified. */
export interface RecordsVerdict {
  readonly ok: boolean;
  /** `ok`, the problems SQLite named, or null when not checked. */
  readonly integrity: string | null;
  readonly record_count: number;
  /** Records whose content does not hash to their id (or whose seq does not increase). */
  readonly bad_records: number;
  readonly head_seq: number;
  readonly head_id: string | null;
  /** Drizzle migrations applied to the file. */
  readonly schema_version: number;
  /** Whether the file holds `options.mustHold` (null when no id was asked about). */
  readonly has_record: boolean | null;
  readonly problems: readonly string[];
}


// The canonical record built by SQLite from the stored columns (which hold canonical JSON), so
// each row crosses into JS as one string: about twice as fast as nine values and a JS concat.
// Only where every spliced column is whole (an integer clock, body and parents each one JSON
// value) is the concatenation unambiguous; otherwise columns could hide parts of each other
// (a body cut short, the rest in the clock) and still concatenate to the original, so those rows
// get NULL and take the full check.
const CANONICAL_SQL = `CASE WHEN typeof(clock) = 'integer' AND json_valid(body) AND json_valid(parents) THEN '{"act":' || json_quote(act) || ',"actor":' || json_quote(actor) || ',"body":' || body || ',"clock":' || clock || ',"data_type":' || json_quote(data_type) || ',"parents":' || parents || ',"thread":' || json_quote(thread) || '}' END`;

/**
 * Checks a log database read-only, on whichever thread calls it (the daemon calls it in a worker,
 * see `runOffThread`): page integrity, then every record's content against its id and seqs
 * strictly increasing. A changed byte in a body that leaves SQLite's pages consistent is found
 * here and nowhere else.
 */
export function verifyRecords(file: string, options: VerifyRecordsOptions = {}): RecordsVerdict {
  const max = options.maxProblems ?? 20;
  const problems: string[] = [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const level = options.integrity ?? 'full';
    let integrity: string | null = null;
    if (level !== 'none') {
      const rows = db.pragma(level === 'full' ? 'integrity_check' : 'quick_check', { simple: false }) as Record<string, string>[];
      integrity = rows.map((r) => Object.values(r)[0]).join('; ') || 'unknown';
      if (integrity !== 'ok') problems.push(`${level === 'full' ? 'integrity_check' : 'quick_check'}: ${integrity.slice(0, 300)}`);
    }
    let count = 0;
    let bad = 0;
    let lastSeq = 0;
    let headId: string | null = null;
    const rows = db.prepare(`SELECT seq, id, ${CANONICAL_SQL} FROM records ORDER BY seq`).raw(true);
    const full = db.prepare(`SELECT ${RECORD_COLUMNS} FROM records WHERE seq = ?`).raw(true);
    for (const [seq, id, text] of rows.iterate() as Iterable<[number, string, string | null]>) {
      count++;
      let fault: string | null = null;
      if (seq <= lastSeq) fault = `record seq ${seq} does not increase (after ${lastSeq})`;
      else if ((text === null || hash('sha256', text) !== id) && !contentMatches(full.get(seq) as RecordRow)) {
        fault = `record seq ${seq}: content does not hash to its id ${id.slice(0, 16)}…`;
      }
      if (fault !== null) {
        bad++;
        if (problems.length < max) problems.push(fault);
      }
      lastSeq = seq;
      headId = id;
    }
    if (bad > max) problems.push(`… ${bad} records fail in all`);
    const mustHold = options.mustHold ?? null;
    const hasRecord = mustHold === null ? null : db.prepare('SELECT 1 FROM records WHERE id = ?').get(mustHold) !== undefined;
    return { ok: problems.length === 0, integrity, record_count: count, bad_records: bad, head_seq: lastSeq, head_id: headId, schema_version: schemaVersion(db), has_record: hasRecord, problems };
  } finally {
    db.close();
  }
}

/**
 * Whether a stored row's content hashes to its id, decided by parsing and canonicalising it in
 * full. The fast path (SQLite's concatenation of the stored canonical JSON) misses only where
 * JSON.stringify wrote an object's integer-like keys out of canonical order.
 */
function contentMatches(row: RecordRow): boolean {
  try {
    return recordId(recordFromRow(row)) === row[1];
  } catch {
    return false; // not JSON, or no canonical form: it cannot be what was hashed
  }
}

function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = '__drizzle_migrations'").get() as { n: number };
  return table.n ? (db.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n : 0;
}
