import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/** An Ed25519 key pair with its DID. The secret key never leaves the file it is stored in. */
export interface KeyPair {
  readonly did: string;
  readonly publicKey: string;
  readonly secretKey: string;
}

/** Generates an instance identity: an Ed25519 key pair and `did:sync:instance:<public key hex>`. */
export function generateInstanceKeyPair(): KeyPair {
  const secret = ed25519.utils.randomSecretKey();
  const publicKey = bytesToHex(ed25519.getPublicKey(secret));
  return { did: instanceDid(publicKey), publicKey, secretKey: bytesToHex(secret) };
}

/** The DID of an instance whose Ed25519 public key is `publicKeyHex`. */
export function instanceDid(publicKeyHex: string): string {
  return `did:sync:instance:${publicKeyHex}`;
}

/** The public key (hex) that belongs to a secret key (hex); used to check an identity file. */
export function publicKeyOf(secretKeyHex: string): string {
  return bytesToHex(ed25519.getPublicKey(hexToBytes(secretKeyHex)));
}

/** Signs UTF-8 text with an Ed25519 secret key; returns the signature as hex. */
export function signText(text: string, secretKeyHex: string): string {
  return bytesToHex(ed25519.sign(utf8ToBytes(text), hexToBytes(secretKeyHex)));
}

/** Verifies an Ed25519 signature (hex) over UTF-8 text; false for any malformed input. */
export function verifyText(text: string, signatureHex: string, publicKeyHex: string): boolean {
  try {
    return ed25519.verify(hexToBytes(signatureHex), utf8ToBytes(text), hexToBytes(publicKeyHex));
  } catch {
    return false;
  }
}
