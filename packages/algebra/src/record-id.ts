import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { LogRecord } from './record.js';
import { canonicalJson } from './canonical-json.js';

/** The canonical JSON of the seven identity fields of a record (everything but `judged_by` and `sig`). */
export function canonicalRecord(record: LogRecord): string {
  const identity = {
    act: record.act,
    actor: record.actor,
    body: record.body,
    clock: record.clock,
    data_type: record.data_type,
    parents: record.parents,
    thread: record.thread,
  };
  const json = canonicalJson(identity);
  // A Record that passed validateRecord always has a canonical form; anything else is a bug.
  if (!json.ok) throw new TypeError(`record has no canonical form: ${json.error.message}`);
  return json.value;
}

/** Lowercase hex SHA-256 of UTF-8 bytes (portable: no node:crypto). */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** The content id of a record: lowercase hex SHA-256 of {@link canonicalRecord}. */
export function recordId(record: LogRecord): string {
  return sha256Hex(canonicalRecord(record));
}
