/* Who auth speaks for: the service account and token behind a request, and where it came from. */

/** The service account and token behind an authenticated request. */
export interface Principal {
  readonly sa_id: string;
  readonly token_id: string;
  readonly scopes: readonly string[];
  /** DIDs it may write as besides its own (its account's list when it authenticated), or `any` with auth off. */
  readonly actors: readonly string[] | 'any';
}

/** Where a request came from, for the audit trail of refusals. */
export interface RequestSource {
  readonly source: string;
  readonly route: string;
}

/** The DID a service account writes as (and acts as in permission rules: `current_actor()`). */
export function principalActor(principal: Pick<Principal, 'sa_id'>): string {
  return `did:sync:sa:${principal.sa_id}`;
}
