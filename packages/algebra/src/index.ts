/**
 * @syncropel/algebra — the record model: types, validation, canonical JSON, content ids,
 * thread ids, folds and Ed25519 identities. Pure: no Node APIs, no I/O, runs in a browser or
 * WASM host.
 */
export { ACTS, DATA_TYPES, RESERVED_THREADS, toRecord } from './record.js';
export type { Act, DataType, JsonObject, JsonValue, LogRecord, Record, ReservedThread, StoredRecord } from './record.js';
export { canonicalJson } from './canonical-json.js';
export { MAX_JSON_DEPTH, jsonTooDeep } from './json-depth.js';
export type { CanonicalError } from './canonical-json.js';
export { canonicalRecord, recordId, sha256Hex } from './record-id.js';
export { isReservedThread, isThreadId, newThreadId, threadIdFor } from './thread-id.js';
export { didKind, isDid } from './did.js';
export { canonicalizeRecord, validateRecord } from './validate-record.js';
export type { CanonicalRecord, RecordIssue } from './validate-record.js';
export { combineFolds, fold, runFold } from './fold.js';
export type { Fold } from './fold.js';
export { generateInstanceKeyPair, instanceDid, publicKeyOf, signText, verifyText } from './identity.js';
export type { KeyPair } from './identity.js';
export { instancePublicKey, signDocument, signRecord, verifyDocument, verifyRecordSignature } from './signature.js';
export { err, ok } from './result.js';
export type { Result } from './result.js';
