/**
 * The signed-in bearer, kept in sessionStorage: it lasts as long as the tab, is never written to
 * a cookie, a URL or localStorage, and signing out removes it.
 */

/** The sessionStorage key holding the bearer. */
export const BEARER_KEY = 'syncropel.console.bearer';

/** Who is signed in. */
export interface Session {
  /** The bearer, or null when signed out. */
  bearer(): string | null;
  signIn(bearer: string): void;
  signOut(): void;
}

/** A session over a Storage (the tab's sessionStorage in the browser). */
export function storageSession(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>): Session {
  return {
    bearer: () => storage.getItem(BEARER_KEY),
    signIn: (bearer) => storage.setItem(BEARER_KEY, bearer),
    signOut: () => storage.removeItem(BEARER_KEY),
  };
}

/**
 * What a typed bearer looks like after trimming, or why it cannot be one: the daemon decides
 * whether it is valid; this only catches an empty field or a pasted `Bearer ` prefix or header line.
 */
export function normalizeBearer(typed: string): { ok: true; bearer: string } | { ok: false; reason: string } {
  let bearer = typed.trim();
  bearer = bearer.replace(/^authorization:\s*/i, '').replace(/^bearer\s+/i, '');
  if (bearer === '') return { ok: false, reason: 'Paste a bearer (spl_<env>_<account>_<secret>).' };
  if (/\s/.test(bearer)) return { ok: false, reason: 'A bearer has no spaces; paste only the token.' };
  return { ok: true, bearer };
}
