import { canonicalJson } from './canonical-json.js';
import { signText, verifyText } from './identity.js';
import { canonicalRecord } from './record-id.js';
import type { LogRecord } from './record.js';

/**
 * Record and document signatures. A record's `sig` is Ed25519 over exactly the bytes its id
 * hashes ({@link canonicalRecord}), so `judged_by` and `sig` itself stay outside it.
 */

/** The `sig` for a record: Ed25519 (hex) over its canonical identity bytes. */
export function signRecord(record: LogRecord, secretKeyHex: string): string {
  return signText(canonicalRecord(record), secretKeyHex);
}

/** Whether `record.sig` is a valid signature of the record by the key `publicKeyHex`; false when unsigned. */
export function verifyRecordSignature(record: LogRecord, publicKeyHex: string): boolean {
  return typeof record.sig === 'string' && verifyText(canonicalRecord(record), record.sig, publicKeyHex);
}

/** The Ed25519 public key (hex) an instance DID names: `did:sync:instance:<64 hex>`; undefined for any other DID. */
export function instancePublicKey(did: string): string | undefined {
  const m = /^did:sync:instance:([0-9a-f]{64})$/.exec(did);
  return m ? m[1] : undefined;
}

/**
 * Signs a JSON document: Ed25519 over its canonical JSON with the field `at` removed (the field
 * that will carry the signature), so every other field (expiry included) is covered.
 */
export function signDocument(document: { readonly [key: string]: unknown }, at: string, secretKeyHex: string): string {
  return signText(documentBytes(document, at), secretKeyHex);
}

/** Whether `signature` signs `document` (without its field `at`) under `publicKeyHex`. */
export function verifyDocument(document: { readonly [key: string]: unknown }, at: string, signature: string, publicKeyHex: string): boolean {
  try {
    return verifyText(documentBytes(document, at), signature, publicKeyHex);
  } catch {
    return false;
  }
}

function documentBytes(document: { readonly [key: string]: unknown }, at: string): string {
  const { [at]: _omitted, ...rest } = document;
  const json = canonicalJson(rest);
  if (!json.ok) throw new TypeError(`the document has no canonical form: ${json.error.message}`);
  return json.value;
}
