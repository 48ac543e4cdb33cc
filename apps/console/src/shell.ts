import { button, h, replace } from './element.js';
import { count } from './format.js';
import type { HealthSnapshot } from './health-feed.js';
import type { Route } from './router.js';

/** The signed-in page: header (navigation, daemon status, sign-out), the backup warning, and the view's area. */
export interface Shell {
  readonly main: HTMLElement;
  /** Marks the current view's link. */
  select(route: Route): void;
  /** Shows the daemon's status, pending decisions and any backup warning from a health answer. */
  showHealth(snapshot: HealthSnapshot): void;
}

const LINKS: readonly { readonly view: Route['view']; readonly label: string; readonly hash: string }[] = [
  { view: 'health', label: 'Health', hash: '#/health' },
  { view: 'threads', label: 'Threads', hash: '#/threads' },
  { view: 'aitl', label: 'Decisions', hash: '#/aitl' },
  { view: 'trust', label: 'Trust', hash: '#/trust' },
  { view: 'backups', label: 'Backups', hash: '#/backups' },
];

/** Draws the shell into `root`; `onSignOut` runs when the operator signs out. */
export function renderShell(root: HTMLElement, onSignOut: () => void): Shell {
  const links = LINKS.map((l) => ({ ...l, element: h('a', { href: l.hash, 'data-view': l.view }, l.label) }));
  const pending = h('span', { class: 'badge', id: 'aitl-badge', hidden: '' });
  links.find((l) => l.view === 'aitl')?.element.append(' ', pending);
  const status = h('span', { class: 'daemon-status', id: 'daemon-status', role: 'status' }, 'connecting…');
  const warning = h('div', { class: 'warning', id: 'backup-warning', role: 'alert', hidden: '' });
  const main = h('main', { id: 'view' });
  replace(
    root,
    h(
      'header',
      {},
      h('span', { class: 'brand' }, 'Syncropel'),
      h('nav', {}, ...links.map((l) => l.element)),
      status,
      button('Sign out', onSignOut, { id: 'sign-out' }),
    ),
    warning,
    main,
  );
  return {
    main,
    select(route) {
      const current = route.view === 'thread' ? 'threads' : route.view;
      for (const l of links) {
        if (l.view === current) l.element.setAttribute('aria-current', 'page');
        else l.element.removeAttribute('aria-current');
      }
    },
    showHealth({ health, error }) {
      if (!health) {
        // 0: nothing answered; otherwise the daemon refused (a 403: this bearer cannot read health).
        replace(status, !error ? 'unknown' : error.status === 0 ? 'unreachable' : `health: ${error.status} ${error.code}`);
        status.dataset.state = 'down';
        return;
      }
      const phase = health.phase && health.start_progress ? ` (${health.phase} ${count(health.start_progress.folded)}/${count(health.start_progress.total)})` : '';
      replace(status, `${health.draining ? 'draining' : health.status}${phase}`);
      status.dataset.state = health.status === 'ready' && !health.draining ? 'ready' : 'degraded';
      const n = health.aitl_pending ?? 0;
      replace(pending, String(n));
      pending.hidden = n === 0;
      replace(warning, health.backup_warning ?? '');
      warning.hidden = !health.backup_warning;
    },
  };
}
