const DID = /^did:sync:[a-z][a-z0-9-]{0,31}:[A-Za-z0-9._%-][A-Za-z0-9._:%-]{0,255}$/;

/** True for a Syncropel DID: `did:sync:<kind>:<id>` (kind lowercase; id without whitespace). */
export function isDid(value: string): boolean {
  return DID.test(value);
}

/** The `<kind>` part of a DID (`user`, `agent`, `instance`, ...), or undefined if it is not one. */
export function didKind(did: string): string | undefined {
  return isDid(did) ? did.split(':')[2] : undefined;
}
