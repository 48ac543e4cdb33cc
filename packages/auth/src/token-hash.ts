import { createHash, createHmac } from 'node:crypto';

/** Shortest token key accepted: 256 bits, so the key itself cannot be guessed. */
export const MIN_TOKEN_KEY_BYTES = 32;

/**
 * Turns token secrets into what the log stores. Keyed hashes (HMAC-SHA256 under a key that lives
 * only in the instance's identity file) mean a copy of the log alone cannot be used to test
 * guesses of a secret offline, however short the secret; bare SHA-256 is only for checking
 * tokens minted before keyed hashes.
 */
export interface TokenHasher {
  /** HMAC-SHA256 of the secret under the token key, hex. */
  keyed(secret: string): string;
  /** Bare SHA-256 of the secret, hex: the legacy form. */
  legacy(secret: string): string;
  /** A fingerprint of the key (16 hex), stored beside keyed hashes to tell which key made them. */
  readonly keyId: string;
}

/** A {@link TokenHasher} for a token key of at least {@link MIN_TOKEN_KEY_BYTES} bytes. */
export function tokenHasher(key: Uint8Array): TokenHasher {
  if (key.length < MIN_TOKEN_KEY_BYTES) throw new Error(`the token key must be at least ${MIN_TOKEN_KEY_BYTES} bytes`);
  const material = Buffer.from(key);
  return {
    keyed: (secret) => createHmac('sha256', material).update(secret, 'utf8').digest('hex'),
    legacy: (secret) => createHash('sha256').update(secret, 'utf8').digest('hex'),
    // The fingerprint is an HMAC of a fixed label, so it reveals nothing about the key or secrets.
    keyId: createHmac('sha256', material).update('syncropel/token-key-id').digest('hex').slice(0, 16),
  };
}
