#!/usr/bin/env node
// Expression-cache benchmark: steady traffic over a fixed set of routing rules, as the reconciler
// and permission checks produce it. Prints the cache stats operators watch (hit rate, average
// compile time) and the cost of a cached evaluation. Figures only; never asserts.
//
//   npm run bench:expressions [-- --rules N] [--records N] [--json]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { celRecord, ExpressionCache } from '@syncropel/kernel';
import { threadIdFor } from '@syncropel/algebra';

const { values } = parseArgs({
  options: { rules: { type: 'string', default: '50' }, records: { type: 'string', default: '100000' }, json: { type: 'boolean', default: false } },
  strict: true,
});
const ruleCount = Number(values.rules);
const recordCount = Number(values.records);
if (!Number.isSafeInteger(ruleCount) || ruleCount < 1 || !Number.isSafeInteger(recordCount) || recordCount < 1) {
  process.stderr.write('bench:expressions: --rules and --records must be positive integers\n');
  process.exit(2);
}

const domains = ['code', 'docs', 'ops', 'data', 'infra'];
const rules = Array.from({ length: ruleCount }, (_, i) => `record.act == "INTEND" && record.body.domain == "${domains[i % domains.length]}" && record.clock > ${i} && trust(record.actor, "${domains[i % domains.length]}") >= 0.0`);
const records = Array.from({ length: 1000 }, (_, i) =>
  celRecord({ parents: [], thread: threadIdFor(`t${i % 16}`), actor: `did:sync:user:u${i % 7}`, act: i % 3 ? 'INTEND' : 'DO', body: { domain: domains[i % domains.length], n: i }, clock: i, data_type: 'SCALAR', judged_by: null }),
);
const scope = { trust: () => 0.5, currentActor: () => '', now: () => new Date() };

const cache = new ExpressionCache();
// As the kernel does at start: pay the JIT warm-up outside the stats.
cache.warmUp();
let matches = 0;
const started = performance.now();
for (let n = 0; n < recordCount; n++) {
  const record = records[n % records.length];
  // Each record is tested against rules until one matches, as the routing cascade does.
  for (const source of rules) {
    const compiled = cache.compile('routing', source);
    if (compiled.ok && compiled.value.evaluate({ record }, scope) === true) {
      matches++;
      break;
    }
  }
}
const elapsed = performance.now() - started;
const stats = cache.stats();
const lookups = stats.hits + stats.misses;
const figures = { rules: ruleCount, records: recordCount, matches, evaluations: lookups, micros_per_evaluation: (elapsed * 1000) / lookups, ...stats };

if (values.json) {
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} else {
  process.stdout.write(
    [
      `expression cache (${ruleCount} routing rules, ${recordCount} records, node ${process.version})`,
      `  lookups            ${lookups.toLocaleString('en-US')} (${matches.toLocaleString('en-US')} records matched a rule)`,
      `  hit rate           ${stats.hit_rate_pct}%   (healthy: > 99%)`,
      `  avg compile        ${stats.avg_compile_micros} µs   (healthy: < 100 µs; environments are warmed up first, as the kernel does at start)`,
      `  cached evaluation  ${figures.micros_per_evaluation.toFixed(2)} µs per lookup + evaluate`,
      `  size / capacity    ${stats.size} / ${stats.capacity}   compile errors ${stats.compile_errors}`,
      '',
    ].join('\n'),
  );
}
