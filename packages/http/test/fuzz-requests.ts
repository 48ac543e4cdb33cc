// Seeded hostile requests for the HTTP fuzz test: every route, with fuzzed path parameters,
// query strings, bodies (JSON of any shape, near-records, batches, deep nesting, garbage) and
// bearers. Deterministic for a seed, so a failure can be replayed.
import { ACTS, DATA_TYPES, RESERVED_THREADS, threadIdFor } from '@syncropel/algebra';
import type { DescribedRoute } from '@syncropel/http';
import fc from 'fast-check';

/** One request to send. `body` is the exact text (undefined: none). */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly bearer: string | undefined;
  readonly body: string | undefined;
  /** True when the body is a batch of records: a refused batch must store nothing. */
  readonly batch: boolean;
}

/** What the generator draws from: the app's routes, valid bearers, and the DIDs every one of them may write as. */
export interface FuzzContext {
  readonly routes: readonly DescribedRoute[];
  readonly bearers: readonly string[];
  readonly actors: readonly string[];
}

const THREADS = [threadIdFor('fuzz-a'), threadIdFor('fuzz-b'), ...RESERVED_THREADS];

/** `n` requests drawn with `seed`. */
export function fuzzRequests(n: number, seed: number, ctx: FuzzContext): FuzzRequest[] {
  const weird = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.constantFrom('%zz', '%', '%E0%A4%A', '..', '%2F', 'th_service_accounts', '0'.repeat(64), 'a'.repeat(300), 'sa-nobody', '', '-1', '1e9'),
  );
  const segment = fc.oneof(
    { weight: 3, arbitrary: weird.map((s) => (s.startsWith('%') ? s : encodeURIComponent(s))) },
    { weight: 2, arbitrary: fc.constantFrom(...THREADS) },
  );
  const query = fc.dictionary(fc.constantFrom('after', 'limit', 'thread', 'actor', 'status', 'details', 'sa_id', 'x'), fc.oneof(weird, fc.integer().map(String), fc.constantFrom(...THREADS)), {
    maxKeys: 3,
  });
  const deep = fc.integer({ min: 2, max: 6000 }).map((d) => ({ raw: '{"a":'.repeat(d) + '1' + '}'.repeat(d) }));
  const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.integer(), fc.double(), fc.string(), fc.constant(null));
  const record = fc.record(
    {
      parents: fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, fc.array(fc.oneof(fc.constant('0'.repeat(64)), fc.string()), { maxLength: 3 }), value),
      thread: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(threadIdFor('fuzz-a'), threadIdFor('fuzz-b')) }, { weight: 2, arbitrary: fc.constantFrom(...RESERVED_THREADS) }, weird, value),
      actor: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...ctx.actors) }, fc.constantFrom('did:sync:user:x', 'did:sync:instance:00', 'DID:SYNC:X:Y'), weird, value),
      act: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ACTS) }, weird),
      body: fc.oneof(
        { weight: 8, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 4 }) },
        fc.record({ fulfills: fc.oneof(fc.constant('0'.repeat(64)), weird), verdict: fc.constantFrom('success', 'failure') }),
        fc.record({ topic: fc.constantFrom('routing_rule', 'permission_rule', 'tick_interval', 'adapter'), name: weird, expression: weird }),
        value,
      ),
      clock: fc.oneof({ weight: 10, arbitrary: fc.nat({ max: 2_000_000 }) }, fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 1.5, 1e300), value),
      data_type: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...DATA_TYPES) }, weird),
      judged_by: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, fc.constantFrom(...ctx.actors), weird),
    },
    { requiredKeys: ['parents', 'thread', 'actor', 'act', 'body', 'clock', 'data_type'] },
  );
  const body = fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: record.map((r) => ({ json: r })) },
    { weight: 2, arbitrary: fc.array(record, { maxLength: 4 }).map((records) => ({ json: { records }, batch: true })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((json) => ({ json })) },
    { weight: 1, arbitrary: fc.record({ expression: weird, context: fc.constantFrom('routing', 'permission', 'aitl', 'x'), record: value }).map((json) => ({ json })) },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((raw) => ({ raw })) },
  );
  const bearer = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ctx.bearers) },
    fc.constant(undefined),
    fc.constantFrom('spl_prod_sa-admin_wrongwrongwrongwrong', 'garbage', 'spl_x'),
  );
  // Writes are where most of the logic is: a third of the requests post records.
  const writes = ctx.routes.filter((r) => r.method === 'POST' && r.path === '/v1/records');
  const route = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...ctx.routes) }, { weight: 1, arbitrary: fc.constantFrom(...writes) });
  const request = fc.record({ route, segments: fc.array(segment, { minLength: 3, maxLength: 3 }), query, body, bearer });
  return fc.sample(request, { numRuns: n, seed }).map(({ route, segments, query: q, body: b, bearer: token }) => {
    let i = 0;
    const path = route.path.replace(/:[a-z_]+/g, () => segments[i++ % segments.length] as string);
    const search = new URLSearchParams(q).toString();
    // fetch refuses a body on GET; the server never reads one there anyway.
    const text = b === undefined || route.method === 'GET' ? undefined : 'raw' in b ? b.raw : JSON.stringify(b.json);
    return { method: route.method, path: search ? `${path}?${search}` : path, bearer: token, body: text, batch: text !== undefined && b !== undefined && 'batch' in b && b.batch === true };
  });
}
