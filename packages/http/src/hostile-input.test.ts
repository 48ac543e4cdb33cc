import { connect } from 'node:net';
import { MAX_JSON_DEPTH, threadIdFor } from '@syncropel/algebra';
import { createAuth, type Auth } from '@syncropel/auth';
import { createApp, listen, MAX_REQUEST_DEPTH, type RunningServer } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DAEMON = `did:sync:instance:${'e7'.repeat(32)}`;
let kernel: Kernel;
let auth: Auth;
let secure: RunningServer;
let insecure: RunningServer;
let admin: string;

beforeAll(async () => {
  kernel = createKernel({ store: createMemoryLogStore(), actor: DAEMON });
  auth = createAuth({ kernel, actor: DAEMON, tokenKey: new Uint8Array(32).fill(2), auditWindowMs: 0 });
  await kernel.start();
  admin = (await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })).bearer;
  secure = await listen(createApp({ kernel, auth }), '127.0.0.1', 0);
  insecure = await listen(createApp({ kernel, auth, authRequired: () => false }), '127.0.0.1', 0);
});
afterAll(async () => {
  await secure.close();
  await insecure.close();
  await auth.stop();
  await kernel.stop();
});

/** Sends raw bytes and reads the whole answer (the server closes after an error). */
function raw(server: RunningServer, request: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      data += d;
      // A keep-alive answer is complete once its declared length has arrived.
      const head = data.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(data.slice(0, head))?.[1];
      if (head >= 0 && length !== undefined && data.length >= head + 4 + Number(length)) socket.end();
    });
    socket.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), contentType: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '', body });
    });
    socket.on('error', reject);
    socket.write(request, 'latin1');
  });
}

const bearer = () => ({ authorization: `Bearer ${admin}`, 'content-type': 'application/json' });
const envelopeOf = (text: string) => (JSON.parse(text) as { error: { code: string; message: string; field?: string } }).error;

describe('errors the app itself answers', () => {
  it('answers malformed percent-encoding with 400 INVALID_ENCODING, not 500', async () => {
    for (const path of ['/v1/threads/%zz/state', '/v1/threads/%E0%A4%A/records', `/v1/records/%zz`]) {
      const res = await fetch(`http://${secure.address}${path}`, { headers: bearer() });
      expect(res.status, path).toBe(400);
      expect(envelopeOf(await res.text()).code).toBe('INVALID_ENCODING');
    }
  });

  it('answers a JSON null, array or scalar where an object is due with 422 naming body', async () => {
    for (const body of ['null', '[]', '3']) {
      const res = await fetch(`http://${secure.address}/v1/config/permissions/dry-run`, { method: 'POST', headers: bearer(), body });
      expect(res.status, body).toBe(422);
      expect(envelopeOf(await res.text())).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
    }
  });

  it(`refuses request bodies nested deeper than ${MAX_REQUEST_DEPTH} levels and record bodies deeper than ${MAX_JSON_DEPTH}, storing nothing`, async () => {
    const before = kernel.health().record_count;
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const res = await fetch(`http://${secure.address}/v1/records`, { method: 'POST', headers: bearer(), body: deep });
    expect(res.status).toBe(422);
    expect(envelopeOf(await res.text()).message).toContain(`deeper than ${MAX_REQUEST_DEPTH} levels`);
    let body: unknown = 1;
    for (let i = 0; i <= MAX_JSON_DEPTH; i++) body = { a: body };
    const record = { parents: [], thread: threadIdFor('deep'), actor: 'did:sync:sa:sa-admin', act: 'KNOW', body, clock: 0, data_type: 'SCALAR' };
    const tooDeep = await fetch(`http://${secure.address}/v1/records`, { method: 'POST', headers: bearer(), body: JSON.stringify({ records: [record] }) });
    expect(tooDeep.status).toBe(422);
    expect(envelopeOf(await tooDeep.text()).field).toMatch(/^records\[0\]\.body\.a\.a/);
    expect(kernel.health().record_count).toBe(before);
  });
});

describe("errors Node's parser answers keep the JSON envelope", () => {
  const cases: [string, string, number][] = [
    ['bad bytes in the path', 'GET /v1/rec\u0001ords HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    ['a NUL in a header', 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-A: a\u0000b\r\n\r\n', 400],
    ['Content-Length with Transfer-Encoding', 'POST /v1/records HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['oversized headers', `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ];
  for (const [name, request, status] of cases) {
    it(name, async () => {
      const res = await raw(secure, request);
      expect(res.status).toBe(status);
      expect(res.contentType).toContain('application/json');
      expect(envelopeOf(res.body).code).toMatch(/^(BAD_REQUEST|HEADERS_TOO_LARGE)$/);
    });
  }

  it('a Host with userinfo is refused with the envelope (auth off), and the daemon keeps serving', async () => {
    const res = await raw(insecure, 'GET /v1/records HTTP/1.1\r\nHost: user@127.0.0.1\r\nConnection: close\r\n\r\n');
    expect([400, 403]).toContain(res.status);
    expect(envelopeOf(res.body).code).toMatch(/^(BAD_REQUEST|FORBIDDEN_ORIGIN)$/);
    expect((await fetch(`http://${secure.address}/health`)).status).toBe(200);
  });
});

describe('Path B (auth off) serves only loopback hosts', () => {
  it('checks the Host header even when the request target is absolute-form, and the target even when Host is local', async () => {
    const port = insecure.port;
    const foreignHost = await raw(insecure, `GET http://127.0.0.1:${port}/v1/records HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    expect(foreignHost.status).toBe(403);
    expect(envelopeOf(foreignHost.body).code).toBe('FORBIDDEN_ORIGIN');
    const foreignTarget = await raw(insecure, `GET http://evil.example/v1/records HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(foreignTarget.status).toBe(403);
    const local = await raw(insecure, `GET /v1/records HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(local.status).toBe(200);
  });
});

describe('records stored before bodies were bounded', () => {
  it('are still served: a 20,000-level body reads back by id, by list and by thread, never a 500', async () => {
    const store = createMemoryLogStore();
    let body: unknown = 1;
    for (let i = 0; i < 20_000; i++) body = i % 2 ? { a: body } : [body];
    const thread = threadIdFor('old-deep');
    // Appended straight to the store, as an older version could have; ingest would refuse it now.
    const [stored] = await store.append([{ id: 'd'.repeat(64), record: { parents: [], thread, actor: 'did:sync:user:old', act: 'KNOW', body: { x: body } as never, clock: 0, data_type: 'SCALAR', judged_by: null } }]);
    const k = createKernel({ store });
    await k.start();
    const server = await listen(createApp({ kernel: k }), '127.0.0.1', 0);
    try {
      for (const path of [`/v1/records/${stored!.id}`, '/v1/records', `/v1/records?thread=${thread}`, `/v1/threads/${thread}/records`, `/v1/threads/${thread}/state`]) {
        const res = await fetch(`http://${server.address}${path}`);
        expect(res.status, path).toBe(200);
        const text = await res.text();
        expect(() => JSON.parse(text), path).not.toThrow();
        if (path !== `/v1/threads/${thread}/state`) expect(text, path).toContain('{"a":['.repeat(100));
      }
    } finally {
      await server.close();
      await k.stop();
    }
  });
});

describe('CEL cannot stall or exhaust the daemon', () => {
  const list = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
  const post = (path: string, body: unknown) => fetch(`http://${secure.address}${path}`, { method: 'POST', headers: bearer(), body: JSON.stringify(body) });

  it('refuses the expressions that blocked the event loop for 32 s or ran out of heap, at once, with 422 EXPRESSION_TOO_COSTLY', async () => {
    const stall = `${list(1000)}.all(a, ${list(1000)}.all(b, ${list(1000)}.all(c, a + b + c >= 0)))`;
    const heap = `${list(200)}.map(a, ${list(200)}.map(b, ${list(200)}.map(c, [a, b, c]))).size() > 0`;
    for (const [path, expression] of [['/v1/expr/eval', stall], ['/v1/expr/eval', heap], ['/v1/expr/check', heap]] as const) {
      const res = await post(path, { expression, context: 'routing' });
      expect(res.status, path).toBe(422);
      expect(envelopeOf(await res.text())).toMatchObject({ code: 'EXPRESSION_TOO_COSTLY', field: 'expression' });
    }
    const rule = await post('/v1/config/rules', { name: 'slow', expression: `${list(3)}.all(a, ${list(3)}.exists(b, a == b))`, target: 'did:sync:agent:x' });
    expect(rule.status).toBe(422);
    expect(envelopeOf(await rule.text())).toMatchObject({ code: 'EXPRESSION_TOO_COSTLY', field: 'body.expression' });
    expect(kernel.routingRules()).toEqual([]);
  });

  it('refuses an evaluation whose inputs would blow the budget, and still evaluates the same expression on small inputs', async () => {
    const expression = 'record.body.items.exists(x, x == 3)';
    const big = await post('/v1/expr/eval', { expression, record: { body: { items: Array.from({ length: 600_000 }, () => 0) } } });
    expect(big.status).toBe(422);
    expect(envelopeOf(await big.text()).message).toContain('budget');
    const small = await post('/v1/expr/eval', { expression, record: { body: { items: [1, 2, 3] } } });
    expect(await small.json()).toEqual({ ok: true, value: true });
  });
});
