/**
 * A connection URL with its password removed (from the userinfo and from a `password` query
 * parameter), for banners, health output and error messages.
 *
 * @example redactUrl('postgres://spl:secret@db:5432/spl') // 'postgres://spl@db:5432/spl'
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL (a libpq key=value string, say): its text may hold a password anywhere, so show none of it.
    return 'postgres:(unparseable connection string)';
  }
  parsed.password = '';
  parsed.searchParams.delete('password');
  return parsed.toString();
}
