import { canonicalJson } from './canonical-json.js';
import { isDid } from './did.js';
import { MAX_JSON_DEPTH, jsonTooDeep } from './json-depth.js';
import { ACTS, DATA_TYPES, type Act, type DataType, type JsonObject, type LogRecord } from './record.js';
import { sha256Hex } from './record-id.js';
import { err, ok, type Result } from './result.js';
import { isThreadId } from './thread-id.js';

/** Why an input is not a record: the offending field (a dotted path) and a sentence naming it. */
export interface RecordIssue {
  readonly field: string;
  readonly message: string;
}

const RECORD_ID = /^[0-9a-f]{64}$/;
const SIGNATURE = /^[0-9a-f]{128}$/;
const REQUIRED = ['parents', 'thread', 'actor', 'act', 'body', 'clock', 'data_type'] as const;
const OPTIONAL = new Set(['judged_by', 'sig', 'id']);

/**
 * Checks that `input` is a record (SPEC §3) and returns it normalised: `parents` sorted and
 * deduplicated, `judged_by` defaulted to null. An `id`, if given, must equal the content id
 * (so a client echoing a stored record is accepted, a tampered one is not); it is not returned.
 * The first problem found is reported, naming its field.
 */
export function validateRecord(input: unknown, field = ''): Result<LogRecord, RecordIssue> {
  const r = canonicalizeRecord(input, field);
  return r.ok ? ok(r.value.record) : r;
}

/** A validated record together with its canonical JSON (the bytes its id is the hash of). */
export interface CanonicalRecord {
  readonly record: LogRecord;
  readonly canonical: string;
}

/**
 * {@link validateRecord}, also returning the canonical JSON of the identity fields, built from the
 * body's canonical form computed during validation — so the ingest hot path serialises once.
 */
export function canonicalizeRecord(input: unknown, field = ''): Result<CanonicalRecord, RecordIssue> {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return err({ field: field || 'record', message: `${field || 'record'} must be a JSON object` });
  }
  const raw = input as { [key: string]: unknown };
  for (const name of REQUIRED) {
    if (raw[name] === undefined) return err({ field: at(name), message: `${at(name)} is required` });
  }
  for (const name of Object.keys(raw)) {
    if (!(REQUIRED as readonly string[]).includes(name) && !OPTIONAL.has(name)) {
      return err({ field: at(name), message: `${at(name)} is not a record field` });
    }
  }

  const { parents, thread, actor, act, body, clock } = raw;
  const dataType = raw.data_type;
  const judgedBy = raw.judged_by ?? null;

  if (!Array.isArray(parents)) return err({ field: at('parents'), message: `${at('parents')} must be an array of record ids` });
  for (let i = 0; i < parents.length; i++) {
    const parent: unknown = parents[i];
    if (typeof parent !== 'string' || !RECORD_ID.test(parent)) {
      return err({ field: `${at('parents')}[${i}]`, message: `${at('parents')}[${i}] must be a record id (64 lowercase hex)` });
    }
  }
  if (typeof thread !== 'string' || !isThreadId(thread)) {
    return err({ field: at('thread'), message: `${at('thread')} must be th_ followed by 64 lowercase hex, or a reserved thread` });
  }
  if (typeof actor !== 'string' || !isDid(actor)) {
    return err({ field: at('actor'), message: `${at('actor')} must be a DID of the form did:sync:<kind>:<id>` });
  }
  if (typeof act !== 'string' || !(ACTS as readonly string[]).includes(act)) {
    return err({ field: at('act'), message: `${at('act')} must be one of ${ACTS.join(', ')}` });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return err({ field: at('body'), message: `${at('body')} must be a JSON object` });
  }
  // Checked before anything recursive walks the body: a hostile depth must not reach the stack.
  const deep = jsonTooDeep(body, MAX_JSON_DEPTH, at('body'));
  if (deep !== undefined) return err({ field: deep.length > 200 ? at('body') : deep, message: `${at('body')} nests deeper than ${MAX_JSON_DEPTH} levels (at ${deep.slice(0, 120)}${deep.length > 120 ? '…' : ''})` });
  const bodyJson = canonicalJson(body, at('body'));
  if (!bodyJson.ok) return err({ field: bodyJson.error.path, message: bodyJson.error.message });
  if (typeof clock !== 'number' || !Number.isSafeInteger(clock) || clock < 0) {
    return err({ field: at('clock'), message: `${at('clock')} must be an integer ≥ 0` });
  }
  if (typeof dataType !== 'string' || !(DATA_TYPES as readonly string[]).includes(dataType)) {
    return err({ field: at('data_type'), message: `${at('data_type')} must be one of ${DATA_TYPES.join(', ')}` });
  }
  if (judgedBy !== null && (typeof judgedBy !== 'string' || !isDid(judgedBy))) {
    return err({ field: at('judged_by'), message: `${at('judged_by')} must be null or a DID` });
  }
  if (raw.sig !== undefined && (typeof raw.sig !== 'string' || !SIGNATURE.test(raw.sig))) {
    return err({ field: at('sig'), message: `${at('sig')} must be an Ed25519 signature (128 lowercase hex)` });
  }

  const record: LogRecord = {
    parents: [...new Set(parents as string[])].sort(),
    thread,
    actor,
    act: act as Act,
    body: body as JsonObject,
    clock,
    data_type: dataType as DataType,
    judged_by: judgedBy as string | null,
    ...(raw.sig === undefined ? {} : { sig: raw.sig as string }),
  };
  // Keys in canonical (UTF-16) order: act, actor, body, clock, data_type, parents, thread.
  const canonical =
    `{"act":${JSON.stringify(record.act)},"actor":${JSON.stringify(record.actor)},"body":${bodyJson.value},` +
    `"clock":${JSON.stringify(record.clock)},"data_type":${JSON.stringify(record.data_type)},` +
    `"parents":${JSON.stringify(record.parents)},"thread":${JSON.stringify(record.thread)}}`;
  if (raw.id !== undefined && raw.id !== sha256Hex(canonical)) {
    return err({ field: at('id'), message: `${at('id')} does not match the record's content id` });
  }
  return ok({ record, canonical });
}
