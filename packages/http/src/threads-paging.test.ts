import { threadIdFor } from '@syncropel/algebra';
import { createApp, listen, type RunningServer } from '@syncropel/http';
import { createKernel, type Kernel, type ThreadState } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Page = { object: string; data: ThreadState[]; total: number; next_cursor: string | null };

let kernel: Kernel;
let server: RunningServer;
let base: string;
let clock = 0;

beforeAll(async () => {
  kernel = createKernel({ store: createMemoryLogStore() });
  await kernel.start();
  server = await listen(createApp({ kernel }), '127.0.0.1', 0);
  base = `http://${server.address}`;
});
afterAll(async () => {
  await server.close();
  await kernel.stop();
});

/** Writes one record over HTTP, as a client would. */
async function write(name: string, act = 'DO', body: object = {}): Promise<{ id: string }> {
  const res = await fetch(`${base}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ parents: [], thread: threadIdFor(name), actor: 'did:sync:user:pager', act, body, clock: ++clock, data_type: 'SCALAR' }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

async function list(query: string): Promise<Page> {
  const res = await fetch(`${base}/v1/threads?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

describe('GET /v1/threads pages with a first_seq cursor', () => {
  it('walks every thread newest first with writes between pages, never repeating or skipping one', async () => {
    for (let i = 0; i < 11; i++) await write(`page-${i}`);
    const atStart = (await list('limit=1000')).data.map((t) => t.thread);
    expect(atStart).toEqual(Array.from({ length: 11 }, (_, i) => threadIdFor(`page-${10 - i}`)));

    const seen: string[] = [];
    let page = await list('limit=4');
    expect(page).toMatchObject({ object: 'list', total: 11 });
    for (let n = 0; page.next_cursor !== null; n++) {
      expect(n, 'the walk ends').toBeLessThan(3);
      expect(page.data).toHaveLength(4);
      expect(page.next_cursor).toBe(String(page.data[3]?.first_seq));
      seen.push(...page.data.map((t) => t.thread));
      // Activity on the oldest thread (it would move under a last-activity order) and a new thread.
      await write('page-0');
      await write(`page-new-${n}`);
      page = await list(`limit=4&cursor=${page.next_cursor}`);
    }
    seen.push(...page.data.map((t) => t.thread));
    expect(seen).toEqual(atStart);
    // The threads made during the walk are first on a fresh walk.
    expect((await list('limit=2')).data.map((t) => t.thread)).toEqual([threadIdFor('page-new-1'), threadIdFor('page-new-0')]);
  });

  it('filters by status before paging and counts the matches in total', async () => {
    for (let i = 0; i < 5; i++) {
      const intend = await write(`closing-${i}`, 'INTEND');
      await write(`closing-${i}`, 'KNOW', { fulfills: intend.id });
    }
    const first = await list('status=closed&limit=3');
    expect(first.data.map((t) => t.thread)).toEqual([4, 3, 2].map((i) => threadIdFor(`closing-${i}`)));
    expect(first.total).toBe(5);
    const rest = await list(`status=closed&limit=3&cursor=${first.next_cursor}`);
    expect(rest.data.map((t) => t.thread)).toEqual([1, 0].map((i) => threadIdFor(`closing-${i}`)));
    expect(rest.next_cursor).toBeNull();
  });

  it('refuses a cursor that is not an integer of at least 1 with 422 naming cursor', async () => {
    for (const bad of ['0', '-3', 'abc', '1.5', '99999999999999999999']) {
      const res = await fetch(`${base}/v1/threads?cursor=${bad}`);
      expect(res.status, bad).toBe(422);
      const json = (await res.json()) as { error: { code: string; field: string; message: string } };
      expect(json.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'cursor' });
      expect(json.error.message).toContain('cursor');
    }
    expect((await list('cursor=1')).data).toEqual([]);
  });
});
