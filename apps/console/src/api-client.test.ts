import { describe, expect, it } from 'vitest';
import { apiBase, createApiClient, isApiError, type ApiError } from './api-client.js';

/** A fetch that records each call and answers with `status` and `body`. */
function fakeFetch(status: number, body: string) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(body, { status });
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

describe('the API client', () => {
  it('finds the API beside the console, under any mount prefix', () => {
    expect(apiBase('/ui/')).toBe('');
    expect(apiBase('/ui/index.html')).toBe('');
    expect(apiBase('/spl/ui/')).toBe('/spl');
    expect(apiBase('/a/b/ui/')).toBe('/a/b');
  });

  it('sends the bearer in the Authorization header only, never in the URL, and no cookies', async () => {
    const f = fakeFetch(200, '{"object":"list","data":[]}');
    const api = createApiClient({ base: '/spl', bearer: () => 'spl_prod_sa-x_secret', onUnauthorized: () => undefined, fetch: f.fetch });
    expect(await api.get('/v1/threads', { limit: 25, cursor: undefined, status: 'open' })).toEqual({ object: 'list', data: [] });
    const [call] = f.calls;
    expect(call?.url).toBe('/spl/v1/threads?limit=25&status=open');
    expect(call?.url).not.toContain('secret');
    expect(call?.init.headers).toMatchObject({ authorization: 'Bearer spl_prod_sa-x_secret' });
    expect(call?.init.credentials).toBe('omit');
  });

  it('posts JSON', async () => {
    const f = fakeFetch(201, '{"id":"r1"}');
    const api = createApiClient({ base: '', bearer: () => 'b', onUnauthorized: () => undefined, fetch: f.fetch });
    expect(await api.post('/v1/aitl/x/decide', { decision: 'approve', reason: 'ok' })).toEqual({ id: 'r1' });
    expect(f.calls[0]?.init).toMatchObject({ method: 'POST', body: '{"decision":"approve","reason":"ok"}', headers: { 'content-type': 'application/json' } });
  });

  it('turns the error envelope into an ApiError, and tells of a 401', async () => {
    const unauthorized: ApiError[] = [];
    const f = fakeFetch(401, '{"error":{"code":"AUTH_REQUIRED","message":"unknown token"}}');
    const api = createApiClient({ base: '', bearer: () => 'b', onUnauthorized: (e) => unauthorized.push(e), fetch: f.fetch });
    const e = await api.get('/v1/trust').catch((x: unknown) => x);
    expect(isApiError(e) && [e.status, e.code, e.message]).toEqual([401, 'AUTH_REQUIRED', 'unknown token']);
    expect(unauthorized).toHaveLength(1);
  });

  it('answers an accepted non-2xx status (a 503 health) with its body, and says when nothing answered', async () => {
    const api = createApiClient({ base: '', bearer: () => null, onUnauthorized: () => undefined, fetch: fakeFetch(503, '{"status":"starting"}').fetch });
    expect(await api.call('GET', '/v1/engine/health', { accept: [503] })).toEqual({ status: 503, body: { status: 'starting' } });
    const down = createApiClient({ base: '', bearer: () => null, onUnauthorized: () => undefined, fetch: (async () => { throw new TypeError('fetch failed'); }) as typeof fetch });
    const e = await down.get('/v1/trust').catch((x: unknown) => x);
    expect(isApiError(e) && [e.status, e.code]).toEqual([0, 'UNREACHABLE']);
  });
});
