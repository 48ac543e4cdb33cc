/**
 * The Syncropel web console, served by the daemon at `/ui/`: sign in with a bearer, then health
 * and loop counters, threads and their records, AITL decisions, trust and backups, all read from
 * the daemon's HTTP API with that bearer. No framework and no HTML strings: the DOM is built with
 * createElement and text nodes, which the page's CSP (no inline script or style) requires anyway.
 */
import { apiBase, createApiClient, type ApiClient, type ApiError } from './api-client.js';
import { startHealthFeed, type HealthFeed } from './health-feed.js';
import { parseHash, type Route } from './router.js';
import { storageSession } from './session.js';
import { renderShell, type Shell } from './shell.js';
import { h, replace } from './element.js';
import type { ViewContext } from './view-context.js';
import { aitlView } from './views/aitl.js';
import { backupsView } from './views/backups.js';
import { healthView } from './views/health.js';
import { renderSignIn } from './views/sign-in.js';
import { threadView } from './views/thread.js';
import { threadsView } from './views/threads.js';
import { trustView } from './views/trust.js';

const root = document.getElementById('root') ?? document.body;
const session = storageSession(window.sessionStorage);
const base = apiBase(window.location.pathname);

/** The signed-in console: its API client, shell, health feed and the current view's clean-up. */
interface SignedIn {
  readonly api: ApiClient;
  readonly shell: Shell;
  readonly feed: HealthFeed;
  leave: () => void;
}

let current: SignedIn | null = null;

window.addEventListener('hashchange', () => {
  if (current) show(current, parseHash(window.location.hash));
});

if (session.bearer()) start();
else signIn(null);

/** Shows the sign-in form (with why, when the operator was signed out). */
function signIn(message: string | null): void {
  const probe = (bearer: string) => createApiClient({ base, bearer: () => bearer, onUnauthorized: () => undefined });
  renderSignIn(root, probe, message, (bearer) => {
    session.signIn(bearer);
    start();
  });
}

/** Forgets the bearer, stops every poll and returns to the sign-in form. */
function signOut(message: string): void {
  session.signOut();
  if (current) {
    current.leave();
    current.feed.stop();
    current = null;
  }
  signIn(message);
}

function start(): void {
  const api = createApiClient({
    base,
    bearer: () => session.bearer(),
    // Any 401 means the bearer no longer works (revoked, or the instance was restored): sign in again.
    // Only this session's own 401s: a late answer to an earlier session's call must not end a newer one.
    onUnauthorized: (e: ApiError) => {
      if (current === signedIn) signOut(`Signed out: the daemon refused the bearer (${e.status} ${e.code}: ${e.message}). Sign in again.`);
    },
  });
  const shell = renderShell(root, () => signOut('Signed out. The bearer was removed from this tab.'));
  const feed = startHealthFeed(api);
  const signedIn: SignedIn = { api, shell, feed, leave: () => undefined };
  current = signedIn;
  feed.subscribe((snapshot) => shell.showHealth(snapshot));
  show(signedIn, parseHash(window.location.hash));
}

/** Leaves the current view and draws the one `route` names. */
function show(app: SignedIn, route: Route): void {
  app.leave();
  const cleanups: (() => void)[] = [];
  let active = true;
  app.leave = () => {
    active = false;
    for (const cleanup of cleanups.splice(0)) cleanup();
  };
  replace(app.shell.main);
  app.shell.select(route);
  const ctx: ViewContext = { api: app.api, health: app.feed, main: app.shell.main, onLeave: (c) => void cleanups.push(c), active: () => active };
  if (route.view === 'health') healthView(ctx);
  else if (route.view === 'threads') threadsView(ctx);
  else if (route.view === 'thread') threadView(ctx, route.id);
  else if (route.view === 'aitl') aitlView(ctx);
  else if (route.view === 'trust') trustView(ctx);
  else if (route.view === 'backups') backupsView(ctx);
  else app.shell.main.append(h('h1', {}, 'Not found'), h('p', {}, 'No view at this address. ', h('a', { href: '#/health' }, 'Go to health')));
}
