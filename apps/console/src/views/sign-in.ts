import { isApiError, type ApiClient } from '../api-client.js';
import { h, replace } from '../element.js';
import { normalizeBearer } from '../session.js';

/**
 * The sign-in form: a bearer in a password field, checked against the daemon before it is kept.
 * `message` explains why the operator is here again (signed out, bearer refused).
 */
export function renderSignIn(root: HTMLElement, api: (bearer: string) => ApiClient, message: string | null, onSignedIn: (bearer: string) => void): void {
  const input = h('input', { type: 'password', id: 'bearer', name: 'bearer', autocomplete: 'off', spellcheck: 'false', required: '', placeholder: 'spl_prod_sa-…' });
  const status = h('p', { class: 'sign-in-message', role: 'status', id: 'sign-in-message' }, message ?? '');
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in', autocomplete: 'off' },
    h('h1', {}, 'Syncropel console'),
    h('p', {}, 'Sign in with the bearer of a service account (spl token create --sa <account>). It is kept in this tab only (sessionStorage) and sent in the Authorization header, never in a URL.'),
    h('label', { for: 'bearer' }, 'Bearer'),
    input,
    submit,
    status,
  );
  form.addEventListener('submit', (event) => {
    // Never a real submission: the bearer must not travel as a form field or in a URL (the CSP's form-action 'none' also forbids it).
    event.preventDefault();
    const typed = normalizeBearer(input.value);
    if (!typed.ok) {
      replace(status, typed.reason);
      return;
    }
    submit.disabled = true;
    replace(status, 'Checking…');
    void check(api(typed.bearer)).then((verdict) => {
      submit.disabled = false;
      if (verdict !== null) {
        replace(status, verdict);
        input.select();
        return;
      }
      input.value = '';
      onSignedIn(typed.bearer);
    });
  });
  replace(root, form);
  input.focus();
}

/**
 * Asks the daemon whether it knows the bearer (`GET /v1/engine/health` with it): null when it
 * does, else what to tell the operator. A bearer without `records:read` (403) is let in: the
 * bearer is known, and each view says which scope it lacks. A 503 from a daemon that is not
 * ready counts (the bearer was checked); a 503 `STARTING` does not, as no bearer is checked then.
 */
async function check(api: ApiClient): Promise<string | null> {
  try {
    const answer = await api.call<{ error?: { code?: string; message?: string } }>('GET', '/v1/engine/health', { accept: [503] });
    if (answer.status === 503 && answer.body.error?.code === 'STARTING') {
      return `The daemon is still starting (${answer.body.error.message ?? 'STARTING'}); sign in again once it is ready.`;
    }
    return null;
  } catch (e) {
    if (!isApiError(e)) return `Sign-in failed: ${(e as Error).message}`;
    if (e.status === 401) return `The daemon refused this bearer (401 ${e.code}): it is unknown, malformed or revoked.`;
    if (e.status === 403) return null;
    if (e.status === 0) return `The daemon did not answer: ${e.message}`;
    return `Sign-in failed (${e.status} ${e.code}): ${e.message}`;
  }
}
