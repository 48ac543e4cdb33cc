import { isDid } from '@syncropel/algebra';
import { AuthError } from './auth-error.js';
import { SA_ID } from './bearer.js';
import { principalActor } from './principal.js';
import { SCOPES, invalidScope } from './scopes.js';

/** Most extra DIDs one service account may write as. */
export const MAX_SA_ACTORS = 64;

/** Validates a list of scopes from a request: non-empty, each known; returns them deduplicated. */
export function scopeList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new AuthError('VALIDATION_FAILED', 'scopes must be a non-empty array of scopes', 'scopes');
  const bad = invalidScope(value);
  if (bad !== undefined) {
    throw new AuthError('VALIDATION_FAILED', `scopes has an unknown scope ${JSON.stringify(bad).slice(0, 80)}; known: ${SCOPES.join(', ')}, thread:<id>:read|write`, 'scopes');
  }
  return [...new Set(value as string[])];
}

/**
 * Validates the DIDs a service account may write as: DIDs, at most {@link MAX_SA_ACTORS}, never the
 * instance's own (in any case). Its own DID is implied, so it is dropped from the list.
 */
export function actorList(value: unknown, saId: string, instance: string): string[] {
  if (!Array.isArray(value)) throw new AuthError('VALIDATION_FAILED', 'actors must be an array of DIDs (did:sync:<kind>:<id>)', 'actors');
  if (value.length > MAX_SA_ACTORS) throw new AuthError('VALIDATION_FAILED', `actors holds ${value.length} DIDs; at most ${MAX_SA_ACTORS}`, 'actors');
  for (const [i, did] of value.entries()) {
    if (typeof did !== 'string' || !isDid(did)) throw new AuthError('VALIDATION_FAILED', `actors[${i}] must be a DID (did:sync:<kind>:<id>)`, `actors[${i}]`);
    if (did.toLowerCase() === instance.toLowerCase()) throw new AuthError('VALIDATION_FAILED', `actors[${i}] is the daemon's own DID; only the daemon writes as it`, `actors[${i}]`);
  }
  const own = principalActor({ sa_id: saId });
  return [...new Set(value as string[])].filter((d) => d !== own);
}

/** Validates the body of a service-account creation: `sa_id`, `scopes`, optional `description` and `actors`. */
export function accountInput(input: unknown, instance: string): { saId: string; scopes: string[]; description: string; actors: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new AuthError('VALIDATION_FAILED', 'the body must be a JSON object with sa_id and scopes', 'body');
  const { sa_id: saId, scopes, description } = input as { sa_id?: unknown; scopes?: unknown; description?: unknown };
  if (typeof saId !== 'string' || !SA_ID.test(saId)) {
    throw new AuthError('VALIDATION_FAILED', 'sa_id must be 1-64 lowercase letters, digits or dashes (no underscore)', 'sa_id');
  }
  if (description !== undefined && (typeof description !== 'string' || description.length > 500)) {
    throw new AuthError('VALIDATION_FAILED', 'description must be a string of at most 500 characters', 'description');
  }
  const actors = (input as { actors?: unknown }).actors;
  return { saId, scopes: scopeList(scopes), description: (description as string | undefined) ?? '', actors: actors === undefined ? [] : actorList(actors, saId, instance) };
}
