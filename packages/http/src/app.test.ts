import { threadIdFor } from '@syncropel/algebra';
import { createAuth } from '@syncropel/auth';
import { createApp, listen, MAX_REQUEST_BYTES, type RunningServer } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore, type LogStore } from '@syncropel/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const thread = threadIdFor('http-test');
const rec = (clock: number, extra: object = {}) => ({
  parents: [],
  thread,
  actor: 'did:sync:user:alice',
  act: 'DO',
  body: { n: clock },
  clock,
  data_type: 'SCALAR',
  ...extra,
});

let store: LogStore;
let kernel: Kernel;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  store = createMemoryLogStore();
  kernel = createKernel({ store });
  await kernel.start();
  server = await listen(createApp({ kernel }), '127.0.0.1', 0);
  base = `http://${server.address}`;
});
afterAll(async () => {
  await server.close();
  await kernel.stop();
});

const post = (body: string | object, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${base}/v1/records`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function expectError(res: Response, status: number, code: string, field?: string) {
  expect(res.status).toBe(status);
  const json = (await res.json()) as { error: { code: string; message: string; field?: string } };
  expect(json.error.code).toBe(code);
  expect(json.error.message.length).toBeGreaterThan(0);
  if (field) {
    expect(json.error.field).toBe(field);
    expect(json.error.message).toContain(field);
  }
}

describe('HTTP API over a real loopback server', () => {
  it('GET /health answers ok as text', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('POST /v1/records: 201 with the stored record, 200 with the same id on retry, nothing new stored', async () => {
    const first = await post(rec(1));
    expect(first.status).toBe(201);
    const stored = (await first.json()) as { id: string; seq: number; clock: number };
    expect(stored).toMatchObject({ clock: 1, thread, judged_by: null });
    expect(stored.id).toMatch(/^[0-9a-f]{64}$/);
    const count = await store.count();
    const again = await post(rec(1));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(stored.id);
    expect(await store.count()).toBe(count);

    const got = await fetch(`${base}/v1/records/${stored.id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(stored);
  });

  it('accepts a batch and reads back by thread with after and limit', async () => {
    const res = await post({ records: [rec(10), rec(11), rec(12)] });
    expect(res.status).toBe(201);
    const batch = (await res.json()) as { object: string; data: { status: string; id: string; record: { seq: number } }[] };
    expect(batch.object).toBe('list');
    expect(batch.data.map((d) => d.status)).toEqual(['created', 'created', 'created']);

    const page1 = (await (await fetch(`${base}/v1/records?thread=${thread}&limit=2`)).json()) as { data: { seq: number }[]; next_cursor: string | null };
    expect(page1.data.length).toBe(2);
    expect(page1.next_cursor).toBe(String(page1.data[1]!.seq));
    const page2 = (await (await fetch(`${base}/v1/records?thread=${thread}&after=${page1.next_cursor}&limit=10`)).json()) as { data: { seq: number }[]; next_cursor: string | null };
    expect(page2.data.map((r) => r.seq)).toEqual(batch.data.slice(1).map((d) => d.record.seq));
    expect(page2.next_cursor).toBeNull();

    const dup = await post({ records: [rec(10)] });
    expect(dup.status).toBe(200);
  });

  it('refuses malformed input with a named field and leaves the log unchanged', async () => {
    const before = await store.count();
    await expectError(await post(rec(20, { act: 'SHOUT' })), 422, 'VALIDATION_FAILED', 'act');
    await expectError(await post({ ...rec(20), thread: undefined }), 422, 'VALIDATION_FAILED', 'thread');
    await expectError(await post(rec(20, { body: [1] })), 422, 'VALIDATION_FAILED', 'body');
    await expectError(await post('[1,2]'), 422, 'VALIDATION_FAILED', 'record');
    await expectError(await post('"text"'), 422, 'VALIDATION_FAILED', 'record');
    await expectError(await post('{"act": '), 400, 'INVALID_JSON', 'body');
    await expectError(await post(''), 400, 'INVALID_JSON', 'body');
    await expectError(await post(rec(1, { body: { changed: true } })), 409, 'CLOCK_CONFLICT', 'clock');
    await expectError(await post({ records: [rec(30), rec(31, { data_type: 'X' })] }), 422, 'VALIDATION_FAILED', 'records[1].data_type');
    await expectError(await post({ records: 'nope' }), 422, 'VALIDATION_FAILED', 'records');
    await expectError(await post(rec(40, { body: { big: 'x'.repeat(300 * 1024) } })), 413, 'PAYLOAD_TOO_LARGE', 'body');
    await expectError(await post(`{"pad":"${'x'.repeat(MAX_REQUEST_BYTES)}"}`), 413, 'PAYLOAD_TOO_LARGE', 'body');
    // A chunked upload (no Content-Length) is bounded while it streams.
    const chunk = new TextEncoder().encode('x'.repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const chunked = await fetch(`${base}/v1/records`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    await expectError(chunked, 413, 'PAYLOAD_TOO_LARGE', 'body');
    expect(await store.count()).toBe(before);
  });

  it('validates read parameters and unknown ids and routes', async () => {
    await expectError(await fetch(`${base}/v1/records?limit=0`), 422, 'VALIDATION_FAILED', 'limit');
    await expectError(await fetch(`${base}/v1/records?limit=5000`), 422, 'VALIDATION_FAILED', 'limit');
    await expectError(await fetch(`${base}/v1/records?after=-1`), 422, 'VALIDATION_FAILED', 'after');
    await expectError(await fetch(`${base}/v1/records?thread=nope`), 422, 'VALIDATION_FAILED', 'thread');
    await expectError(await fetch(`${base}/v1/records/${'0'.repeat(64)}`), 404, 'NOT_FOUND', 'id');
    await expectError(await fetch(`${base}/v1/nothing`), 404, 'NOT_FOUND');
  });

  it('reports readiness with counters that move', async () => {
    const h1 = (await (await fetch(`${base}/v1/engine/health`)).json()) as { status: string; ingested_total: number; record_count: number };
    expect(h1.status).toBe('ready');
    await post(rec(50));
    const h2 = (await (await fetch(`${base}/v1/engine/health`)).json()) as { ingested_total: number; record_count: number };
    expect(h2.ingested_total).toBe(h1.ingested_total + 1);
    expect(h2.record_count).toBe(h1.record_count + 1);
  });
});

describe('readiness before the kernel starts', () => {
  it('answers 503 from /v1/engine/health and STARTING on writes, while /health stays ok', async () => {
    const k = createKernel({ store: createMemoryLogStore() });
    const app = createApp({ kernel: k });
    const health = await app.request('/v1/engine/health');
    expect(health.status).toBe(503);
    expect(health.headers.get('retry-after')).toBe('1');
    expect(await health.json()).toMatchObject({ status: 'starting', phase: 'folding', start_progress: { folded: 0, total: 0 }, error: { code: 'STARTING' } });
    expect(await (await app.request('/health')).text()).toBe('ok');
    const res = await app.request('/v1/records', { method: 'POST', body: JSON.stringify(rec(1)) });
    await expectError(res, 503, 'STARTING');
  });

  it("follows the host's own start (verification, bootstrap) before auth: no 401s while the registry folds", async () => {
    const k = createKernel({ store: createMemoryLogStore() });
    await k.start();
    let starting: { phase: string; folded: number; total: number } | null = { phase: 'verifying', folded: 40, total: 40 };
    const auth = createAuth({ kernel: createKernel({ store: createMemoryLogStore() }), actor: `did:sync:instance:${'ab'.repeat(32)}`, tokenKey: new Uint8Array(32) });
    const app = createApp({ kernel: k, auth, starting: () => starting });
    expect(await (await app.request('/v1/engine/health')).json()).toMatchObject({ status: 'starting', phase: 'verifying', start_progress: { folded: 40, total: 40 } });
    await expectError(await app.request('/v1/threads'), 503, 'STARTING');
    await expectError(await app.request('/v1/records', { method: 'POST', body: '{}' }), 503, 'STARTING');
    // Only the two probes pass: paths that merely end in /health do not.
    await expectError(await app.request('/v1/records/health'), 503, 'STARTING');
    await expectError(await app.request('/v1/auth/tokens/health', { method: 'DELETE' }), 503, 'STARTING');
    starting = null;
    await expectError(await app.request('/v1/threads'), 401, 'AUTH_REQUIRED');
    // Ready: the probe answers anyone its counters; details need a token.
    const ready = await app.request('/v1/engine/health');
    expect(ready.status).toBe(200);
    expect(await ready.json()).not.toHaveProperty('instance_did');
    await expectError(await app.request('/v1/engine/health?details=true'), 401, 'AUTH_REQUIRED');
  });
});
