import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Hono, type Context } from 'hono';
import { envelope } from '../api-error.js';
import type { AuthVariables, Guards } from '../middleware/guards.js';
import { validated } from '../request-schema.js';

/** Where the built web console is (`@syncropel/console`'s `dist/`: `index.html`, `app.js`, `style.css`). */
export interface ConsoleOptions {
  readonly directory: string;
}

/**
 * The console's Content-Security-Policy: its script, styles and API calls from this origin only;
 * nothing inline (no script, no style attribute, no handler), no plugins, no framing, no form posts.
 */
export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What the console's files are served as; other extensions are not served. */
const CONTENT_TYPES: { readonly [ext: string]: string } = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * An asset name: one file directly in the folder. No `/` or `\` (so no path, encoded or not, can
 * leave the folder), no leading dot (no `..`, no hidden files).
 */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * `GET /ui` (a redirect to `/ui/`), `GET /ui/` (the page) and `GET /ui/<asset>`: the web
 * console's static files, read from `directory` only. They hold no data, so they are public like
 * the probes; the console's API calls carry a bearer and meet every route's own guard. Every
 * answer carries the CSP, `nosniff` and `no-referrer`, and `no-cache`, so an upgraded daemon's
 * page never runs with an old script. An unknown asset is 404 in the usual envelope.
 */
export function consoleRoutes(options: ConsoleOptions, guard: Guards): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const open = guard.public();
  app.get('/ui', open, validated({ summary: 'the web console (redirects to /ui/)' }), (c) => {
    secure(c);
    // Relative, so the redirect stays under whatever prefix the app is mounted at.
    return c.redirect('ui/', 302);
  });
  app.get('/ui/', open, validated({ summary: 'the web console' }), (c) => serveAsset(c, options.directory, 'index.html'));
  app.get('/ui/:file', open, validated({ summary: "the web console's scripts and styles" }), (c) => serveAsset(c, options.directory, c.req.param('file')));
  return app;
}

async function serveAsset(c: Context, directory: string, name: string): Promise<Response> {
  secure(c);
  const type = CONTENT_TYPES[extname(name).toLowerCase()];
  if (!ASSET_NAME.test(name) || type === undefined) return notFound(c, name);
  const path = join(directory, name);
  try {
    // A regular file only (a folder of that name is not an asset).
    if (!(await stat(path)).isFile()) return notFound(c, name);
    const bytes = await readFile(path);
    return c.body(new Uint8Array(bytes), 200, { 'content-type': type });
  } catch (e) {
    if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return notFound(c, name);
    throw e;
  }
}

/** The headers every console answer carries, its 404s and redirect included. */
function secure(c: Context): void {
  c.header('Content-Security-Policy', CONSOLE_CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-cache');
}

function notFound(c: Context, name: string): Response {
  return c.json(envelope('NOT_FOUND', `no console asset ${JSON.stringify(name.slice(0, 100))}`, 'file'), 404);
}
