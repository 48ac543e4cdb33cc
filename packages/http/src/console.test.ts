import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Auth } from '@syncropel/auth';
import { createApp, describeRoutes, listen, type BackupSummary, type RunningServer } from '@syncropel/http';
import type { Kernel } from '@syncropel/kernel';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReaderWriter, type ReaderWriter } from '../test/reader-writer.js';

const ACTOR = `did:sync:instance:${'34'.repeat(32)}`;
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const BACKUPS: BackupSummary[] = [
  { path: '/b/hub.db.bak', kind: 'rolling', created_at: '2026-01-02T00:00:00.000Z', records: 7, bytes: 4096, verified: true },
  { path: '/b/hub.db.suspect-x.bak', kind: 'suspect', created_at: null, records: null, bytes: null },
];

let root: string;
let assets: string;
let instance: ReaderWriter;
let kernel: Kernel;
let auth: Auth;
let reader: string;
let writer: string;
const servers: RunningServer[] = [];
let base: string;
let prefixed: string;
let starting: string;

beforeAll(async () => {
  // The console's folder, a sibling holding what must never be served, and things inside that are not assets.
  root = mkdtempSync(join(tmpdir(), 'spl-console-'));
  assets = join(root, 'dist');
  mkdirSync(join(assets, 'sub'), { recursive: true });
  writeFileSync(join(assets, 'index.html'), '<!doctype html><title>console</title><script type="module" src="app.js"></script>');
  writeFileSync(join(assets, 'app.js'), 'console.log(1);\n');
  writeFileSync(join(assets, 'style.css'), 'body{}\n');
  writeFileSync(join(assets, 'sub', 'inner.js'), 'NESTED CONTENT\n');
  writeFileSync(join(assets, '.hidden.js'), 'HIDDEN CONTENT\n');
  writeFileSync(join(assets, 'hub.db'), 'DATABASE CONTENT\n');
  writeFileSync(join(root, 'outside.html'), 'SECRET OUTSIDE\n');

  instance = await startReaderWriter(ACTOR);
  ({ kernel, auth, reader, writer } = instance);
  const make = (extra = {}) => createApp({ kernel, auth, console: { directory: assets }, backups: async () => BACKUPS, ...extra });
  for (const app of [make(), new Hono().route('/spl', make()), make({ starting: () => ({ phase: 'folding', folded: 1, total: 2 }) })]) {
    const server = await listen(app, '127.0.0.1', 0);
    servers.push(server);
  }
  base = `http://${servers[0]!.address}`;
  prefixed = `http://${servers[1]!.address}/spl`;
  starting = `http://${servers[2]!.address}`;
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await instance.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A GET with the path sent exactly as written (fetch would normalise `..` and encodings first). */
function rawGet(url: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web console at /ui/', () => {
  it('redirects /ui to /ui/ (relative, so a mount prefix is kept) and serves the page to anyone, with the CSP', async () => {
    const redirect = await fetch(`${base}/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('ui/');
    expect(new URL(redirect.headers.get('location')!, `${base}/ui`).pathname).toBe('/ui/');
    const page = await fetch(`${base}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<title>console</title>');
  });

  it('serves the script and the stylesheet with their content types', async () => {
    const js = await fetch(`${base}/ui/app.js`);
    expect([js.status, js.headers.get('content-type'), await js.text()]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log(1);\n']);
    const css = await fetch(`${base}/ui/style.css`);
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
    expect(css.headers.get('content-security-policy')).toBe(CSP);
  });

  it('answers an unknown asset with 404 in the error envelope, CSP included', async () => {
    const res = await fetch(`${base}/ui/nope.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no console asset "nope.js"', field: 'file' } });
  });

  it('never serves anything outside the folder, a folder, a hidden file or a file that is not an asset', async () => {
    const attempts = [
      '/ui/..%2foutside.html',
      '/ui/%2e%2e%2foutside.html',
      '/ui/%2E%2E%2Foutside.html',
      '/ui/..%5coutside.html',
      '/ui/%2e%2e',
      '/ui/..',
      '/ui/../outside.html',
      '/ui/sub',
      '/ui/sub/inner.js',
      '/ui/.hidden.js',
      '/ui/hub.db',
      '/ui/%00app.js',
      '/ui/app.js%00.html',
    ];
    for (const path of attempts) {
      const res = await rawGet(base, path);
      for (const content of ['SECRET OUTSIDE', 'NESTED CONTENT', 'HIDDEN CONTENT', 'DATABASE CONTENT']) expect(res.body, path).not.toContain(content);
      expect(res.status, path).not.toBe(200);
      // Inside /ui/: this route's 404; elsewhere (a normalised `..`, a deeper path): the app's usual answer to a stranger.
      expect([400, 401, 404], path).toContain(res.status);
      expect(JSON.parse(res.body), path).toEqual({ error: expect.objectContaining({ code: expect.any(String) }) });
    }
  });

  it('keeps every API route behind its guard: the console adds no access', async () => {
    expect((await fetch(`${base}/v1/threads`)).status).toBe(401);
    expect((await fetch(`${base}/v1/threads`, { headers: { authorization: `Bearer ${reader}` } })).status).toBe(200);
  });

  it('works under a mount prefix', async () => {
    const redirect = await fetch(`${prefixed}/ui`, { redirect: 'manual' });
    expect(new URL(redirect.headers.get('location')!, `${prefixed}/ui`).pathname).toBe('/spl/ui/');
    const page = await fetch(`${prefixed}/ui/`);
    expect([page.status, page.headers.get('content-security-policy')]).toEqual([200, CSP]);
    expect((await fetch(`${prefixed}/ui/app.js`)).status).toBe(200);
  });

  it('is served while the host starts (the API answers 503 STARTING meanwhile)', async () => {
    expect((await fetch(`${starting}/ui/`)).status).toBe(200);
    expect((await fetch(`${starting}/ui/app.js`)).status).toBe(200);
    const api = await fetch(`${starting}/v1/threads`, { headers: { authorization: `Bearer ${reader}` } });
    expect(api.status).toBe(503);
  });

  it('declares the console routes public, and has none without the option', () => {
    const routes = describeRoutes(createApp({ kernel, auth, console: { directory: assets } })).filter((r) => r.path.startsWith('/ui'));
    expect(routes.map((r) => [r.method, r.path, r.access])).toEqual([
      ['GET', '/ui', { kind: 'public' }],
      ['GET', '/ui/', { kind: 'public' }],
      ['GET', '/ui/:file', { kind: 'public' }],
    ]);
    expect(describeRoutes(createApp({ kernel, auth })).filter((r) => r.path.startsWith('/ui'))).toEqual([]);
  });
});

describe('GET /v1/engine/backups', () => {
  it('lists the host’s backups to records:read, as a list', async () => {
    const res = await fetch(`${base}/v1/engine/backups`, { headers: { authorization: `Bearer ${reader}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ object: 'list', data: BACKUPS, next_cursor: null });
  });

  it('refuses strangers (401) and tokens without records:read (403)', async () => {
    expect((await fetch(`${base}/v1/engine/backups`)).status).toBe(401);
    const res = await fetch(`${base}/v1/engine/backups`, { headers: { authorization: `Bearer ${writer}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SCOPE_FORBIDDEN');
  });

  it('does not exist without a lister (an embedded app)', async () => {
    const app = createApp({ kernel, auth });
    expect((await app.request('/v1/engine/backups', { headers: { authorization: `Bearer ${reader}` } })).status).toBe(404);
  });
});
