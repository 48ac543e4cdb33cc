#!/usr/bin/env node
// Federation benchmark: prints figures, never asserts timing. See bench/README.md.
//
//   npm run bench:federation [-- --records N] [--threads N] [--json]
//
// Two instances in this process, each a kernel over its own SQLite file with auth, federation and
// the HTTP API on loopback, paired (a pair rule approves at once). Instance A holds N records on
// shared threads; the clock starts when B begins to pull and stops when B holds them all. Every
// record crosses HTTP, is signed by A (vouched) and verified by B, and is ingested causally.
// At the end both instances' state digests are compared: equal means converged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { threadIdFor } from '@syncropel/algebra';
import { createAuth } from '@syncropel/auth';
import { createFederation, memoryCredentials } from '@syncropel/federation';
import { createApp, listen } from '@syncropel/http';
import { createKernel, loadOrCreateIdentity, readSigner } from '@syncropel/kernel';
import { openSqliteLogStore } from '@syncropel/log-sqlite';

const BATCH = 1000; // records per ingestBatch while filling A

let args;
try {
  ({ values: args } = parseArgs({ options: { records: { type: 'string', default: '100000' }, threads: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } } }));
} catch (e) {
  process.stderr.write(`bench:federation: ${e.message}\n`);
  process.exit(2);
}
const RECORDS = Number(args.records);
const THREADS = Number(args.threads);
if (!Number.isSafeInteger(RECORDS) || RECORDS < THREADS || !Number.isSafeInteger(THREADS) || THREADS < 1) {
  process.stderr.write('bench:federation: --records and --threads must be integers, records >= threads >= 1\n');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'spl-bench-federation-'));
const say = (line) => args.json || process.stdout.write(`${line}\n`);

async function instance(name) {
  const home = join(dir, name);
  const { identity } = loadOrCreateIdentity(join(home, 'identity.json'));
  const sign = readSigner(join(home, 'identity.json'));
  const store = openSqliteLogStore({ path: join(home, 'hub.db') });
  const kernel = createKernel({ store, actor: identity.did, signer: sign });
  const auth = createAuth({ kernel, actor: identity.did, tokenKey: new Uint8Array(32).fill(name.length), auditWindowMs: 0 });
  let base = '';
  const federation = createFederation({ kernel, auth, identity, sign, version: 'bench', publicUrl: () => base, credentials: memoryCredentials(), syncIntervalMs: 0 });
  await kernel.start();
  const server = await listen(createApp({ kernel, auth, federation, actor: identity.did }), '127.0.0.1', 0);
  base = `http://${server.address}`;
  return {
    identity,
    kernel,
    federation,
    base,
    async stop() {
      await server.close();
      await federation.stop();
      await auth.stop();
      await kernel.stop();
      await store.close();
    },
  };
}

const a = await instance('a');
const b = await instance('b');
try {
  const threads = Array.from({ length: THREADS }, (_, i) => threadIdFor(`bench-federation-${i}`));
  const clocks = new Map();
  let filled = performance.now();
  for (let n = 0; n < RECORDS; n += BATCH) {
    const batch = [];
    for (let i = n; i < Math.min(RECORDS, n + BATCH); i++) {
      const thread = threads[i % THREADS];
      const clock = clocks.get(thread) ?? 0;
      clocks.set(thread, clock + 1);
      batch.push({ parents: [], thread, actor: 'did:sync:user:bench', act: clock === 0 ? 'INTEND' : 'KNOW', body: { n: i, note: 'x'.repeat(100) }, clock, data_type: 'SCALAR' });
    }
    await a.kernel.ingestBatch(batch);
  }
  filled = performance.now() - filled;
  say(`bench:federation: ${RECORDS} records on ${THREADS} threads written to A in ${(filled / 1000).toFixed(1)} s`);

  await b.kernel.emit(b.identity.did, { thread: 'th_engine_config', act: 'LEARN', body: { topic: 'federation_pair_rule', name: 'bench', expression: 'true' } });
  const pair = await a.federation.pair(b.base);
  for (const t of threads) await a.federation.share(pair.pair_id, t);

  const started = performance.now();
  let pages = 0;
  let created = 0;
  let refused = 0;
  for (;;) {
    const report = await b.federation.sync(pair.pair_id);
    pages += report.pages;
    created += report.created;
    refused += report.refused;
    if (!report.has_more) break;
  }
  const secs = (performance.now() - started) / 1000;
  const [da, db] = [await a.kernel.stateDigest(threads), await b.kernel.stateDigest(threads)];
  const figures = { records: RECORDS, threads: THREADS, converge_secs: Number(secs.toFixed(2)), records_per_sec: Math.round(RECORDS / secs), pages, created, refused, converged: da === db && created === RECORDS };
  if (args.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else {
    say(`  converge    ${figures.converge_secs} s for ${RECORDS} records (${figures.records_per_sec} records/s, ${pages} pages of up to 1000)`);
    say(`  stored on B ${created} new, ${refused} refused`);
    say(`  converged   ${figures.converged ? 'yes: both state digests equal' : `NO (digests ${da.slice(0, 12)} vs ${db.slice(0, 12)})`}`);
  }
} finally {
  await b.stop();
  await a.stop();
  rmSync(dir, { recursive: true, force: true });
}
