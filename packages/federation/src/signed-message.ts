import { canonicalJson, verifyText } from '@syncropel/algebra';

/** The bytes a message's `sig` covers: the canonical JSON of every other field. */
export function messageBytes(message: { readonly [key: string]: unknown }): string {
  const { sig: _sig, ...rest } = message;
  const json = canonicalJson(rest);
  if (!json.ok) throw new TypeError(json.error.message);
  return json.value;
}

/** Adds `sig`: Ed25519 (hex) by `sign` over {@link messageBytes}. */
export function signMessage<T extends { readonly [key: string]: unknown }>(message: T, sign: (text: string) => string): T & { sig: string } {
  return { ...message, sig: sign(messageBytes(message)) };
}

/** Whether a message's `sig` verifies under `publicKeyHex`; false for anything malformed. */
export function verifyMessage(message: { readonly [key: string]: unknown }, publicKeyHex: string): boolean {
  if (typeof message.sig !== 'string') return false;
  try {
    return verifyText(messageBytes(message), message.sig, publicKeyHex);
  } catch {
    return false;
  }
}
