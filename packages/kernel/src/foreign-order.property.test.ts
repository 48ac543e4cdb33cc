import { recordId, threadIdFor, type JsonObject, type LogRecord } from '@syncropel/algebra';
import { createKernel, type ForeignRules, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Two instances receive the same records in different (causally valid) orders through the
// federation path, and must end with the same folded state: hashed on both sides.

const THREADS = ['a', 'b', 'c'].map((n) => threadIdFor(`exchange-${n}`));
const ACTORS = ['did:sync:user:ann', 'did:sync:user:bo', 'did:sync:agent:cy'];
const anyRecord: ForeignRules = { admit: () => undefined };

/** A random history: parents only point back; answers (fulfills/cancels) name earlier records without always listing them as parents. */
function history(seed: number, size: number): LogRecord[] {
  let x = seed >>> 0 || 1;
  const rand = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const clocks = new Map<string, number>();
  const out: LogRecord[] = [];
  for (let i = 0; i < size; i++) {
    const thread = THREADS[rand(THREADS.length)] as string;
    const actor = ACTORS[rand(ACTORS.length)] as string;
    const earlier = out.filter((r) => r.thread === thread);
    const pick = (f: (r: LogRecord) => boolean) => {
      const c = earlier.filter(f);
      return c.length ? (c[rand(c.length)] as LogRecord) : undefined;
    };
    const kind = rand(7);
    let act: LogRecord['act'] = 'INTEND';
    let body: JsonObject = { i };
    const parents = new Set<string>();
    if (kind === 1) act = 'DO';
    else if (kind === 2) act = 'KNOW';
    else if (kind === 3) {
      act = 'KNOW';
      body = { i, awaits: 'actor_decision' };
    } else if (kind === 4 || kind === 5) {
      const target = pick((r) => r.act === 'INTEND' || r.body.awaits === 'actor_decision');
      if (target) {
        act = kind === 4 ? 'KNOW' : 'DO';
        body = { i, [rand(2) ? 'fulfills' : 'cancels']: recordId(target) };
        if (rand(2)) parents.add(recordId(target));
      }
    } else if (kind === 6) {
      act = 'KNOW';
      body = { i, verdict: rand(2) ? 'success' : 'failure', domain: 'code', subject: ACTORS[rand(ACTORS.length)] as string };
    }
    const parent = pick(() => true);
    if (parent && rand(2)) parents.add(recordId(parent));
    const key = `${actor} ${thread}`;
    const clock = (clocks.get(key) ?? -1) + 1 + rand(2);
    clocks.set(key, clock);
    out.push({ parents: [...parents].sort(), thread, actor, act, body, clock, data_type: 'SCALAR', judged_by: null });
  }
  return out;
}

/** Offers records in the given order, in small batches; those waiting for parents are offered again until all are stored. */
async function deliver(kernel: Kernel, records: LogRecord[], batch: number): Promise<void> {
  let queue = records;
  for (let round = 0; queue.length > 0; round++) {
    if (round > records.length + 1) throw new Error('records kept waiting');
    const waiting: LogRecord[] = [];
    for (let i = 0; i < queue.length; i += batch) {
      const chunk = queue.slice(i, i + batch);
      const out = await kernel.ingestForeign(chunk, anyRecord);
      out.forEach((o, j) => {
        if (o.status === 'waiting') waiting.push(chunk[j] as LogRecord);
        else if (o.status === 'refused') throw new Error(`refused: ${o.message}`);
      });
    }
    queue = waiting;
  }
}

async function fold(records: LogRecord[], batch: number): Promise<{ digest: string; count: number }> {
  const kernel = createKernel({ store: createMemoryLogStore(), actor: `did:sync:instance:${'ab'.repeat(32)}` });
  await kernel.start();
  try {
    await deliver(kernel, records, batch);
    return { digest: await kernel.stateDigest(), count: kernel.health().record_count };
  } finally {
    await kernel.stop();
  }
}

describe('instances that exchanged the same records in different orders', () => {
  it('have equal folded state (the digests match)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 5, max: 60 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 60, maxLength: 60 }), fc.integer({ min: 1, max: 7 }), async (seed, size, keys, batch) => {
        const records = history(seed, size);
        // Any order at all: records whose parents are missing wait and are offered again.
        const shuffled = records.map((r, i) => [keys[i] ?? 0, r] as const).sort((p, q) => p[0] - q[0]).map(([, r]) => r);
        const [inOrder, mixed] = [await fold(records, 1000), await fold(shuffled, batch)];
        expect(mixed.count).toBe(records.length);
        expect(mixed.digest).toBe(inOrder.digest);
      }),
      { numRuns: 60 },
    );
  });

  it('differ when one record is missing (the check can fail)', async () => {
    const records = history(7, 40);
    // The last record nothing depends on: without it, every other record still has its parents.
    const leaves = records.map((r, i) => [r, i] as const).filter(([r]) => records.every((o) => !o.parents.includes(recordId(r))));
    const last = (leaves[leaves.length - 1] as readonly [LogRecord, number])[1];
    const fewer = records.filter((_, i) => i !== last);
    expect((await fold(fewer, 3)).digest).not.toBe((await fold(records, 3)).digest);
  });
});
