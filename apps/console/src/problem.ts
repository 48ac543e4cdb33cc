import { isApiError } from './api-client.js';
import { h } from './element.js';

/**
 * A refusal or failure as a message for the operator: the daemon's code and message, and for a
 * 403 the scope the view needs (`needs`), so a read-only bearer knows what it lacks.
 */
export function problem(e: unknown, needs?: string): HTMLElement {
  if (!isApiError(e)) return h('p', { class: 'problem', role: 'alert' }, `Something went wrong: ${(e as Error)?.message ?? String(e)}`);
  const head = e.status === 0 ? e.message : `${e.status} ${e.code}: ${e.message}`;
  const hint = e.status === 403 && needs ? ` This needs a bearer with the ${needs} scope (or admin).` : '';
  return h('p', { class: 'problem', role: 'alert', 'data-code': e.code }, head, hint);
}
