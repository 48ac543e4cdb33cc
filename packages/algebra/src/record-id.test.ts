import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalizeRecord, canonicalJson, canonicalRecord, recordId, validateRecord, type LogRecord } from '@syncropel/algebra';
import vectors from '../test/record-ids.vectors.json' with { type: 'json' };

const thread = `th_${'a'.repeat(64)}`;

describe('record id test vectors (shared/vectors/record-ids.json)', () => {
  for (const vector of vectors.vectors) {
    it(vector.name, () => {
      const valid = validateRecord(vector.record);
      expect(valid.ok).toBe(true);
      if (!valid.ok) return;
      expect(canonicalRecord(valid.value)).toBe(vector.canonical_without_judged_by);
      expect(recordId(valid.value)).toBe(vector.id);
      const fast = canonicalizeRecord(vector.record);
      expect(fast.ok && fast.value.canonical).toBe(vector.canonical_without_judged_by);
    });
  }
});

// Arbitrary JSON objects without -0 (JSON cannot tell it from 0, so it cannot round-trip).
const json = fc.jsonValue({ noUnicodeString: false }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const body = fc.dictionary(fc.string(), json);

/** Rebuilds a value with every object's keys inserted in a shuffled order. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, seed + 1));
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    const shuffled = keys.map((k, i) => ({ k, r: (i * 7919 + seed * 104729) % (keys.length + 13) })).sort((a, b) => a.r - b.r);
    // fromEntries defines own properties, so a "__proto__" key stays a key.
    return Object.fromEntries(shuffled.map(({ k }) => [k, reorder((value as { [k: string]: unknown })[k], seed + 1)]));
  }
  return value;
}

describe('canonical JSON and ids (properties)', () => {
  it('the id does not depend on key order', () => {
    fc.assert(
      fc.property(body, fc.nat(1000), (b, seed) => {
        const base = { parents: [], thread, actor: 'did:sync:user:a', act: 'DO', body: b, clock: 1, data_type: 'SCALAR' };
        const a = validateRecord(base);
        const c = validateRecord(reorder(base, seed));
        expect(a.ok && c.ok).toBe(true);
        if (a.ok && c.ok) expect(recordId(c.value)).toBe(recordId(a.value));
      }),
    );
  });

  it('the single-pass canonical form equals the general canonical JSON of the record', () => {
    fc.assert(
      fc.property(body, fc.nat(), fc.array(fc.stringMatching(/^[0-9a-f]{64}$/), { maxLength: 3 }), (b, clock, parents) => {
        const r = canonicalizeRecord({ parents, thread, actor: 'did:sync:user:a', act: 'LEARN', body: b, clock, data_type: 'FORMULA' });
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value.canonical).toBe(canonicalRecord(r.value.record));
      }),
    );
  });

  it('the canonical form round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(json, (value) => {
        const first = canonicalJson(value);
        expect(first.ok).toBe(true);
        if (!first.ok) return;
        const again = canonicalJson(JSON.parse(first.value));
        expect(again.ok && again.value).toBe(first.value);
      }),
    );
  });

  it('parents order and duplicates do not change the id', () => {
    const p1 = '1'.repeat(64);
    const p2 = '2'.repeat(64);
    const make = (parents: string[]) => validateRecord({ parents, thread, actor: 'did:sync:user:a', act: 'DO', body: {}, clock: 1, data_type: 'VOID' });
    const a = make([p2, p1, p2]);
    const b = make([p1, p2]);
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(a.value.parents).toEqual([p1, p2]);
      expect(recordId(a.value)).toBe(recordId(b.value));
    }
  });

  it('refuses values JSON cannot carry, naming the path', () => {
    expect(canonicalJson({ a: [1, Number.NaN] })).toEqual({ ok: false, error: { path: '$.a[1]', message: '$.a[1] must be a finite number' } });
    expect(canonicalJson({ a: Infinity }).ok).toBe(false);
    expect(canonicalJson({ a: undefined }).ok).toBe(false);
    expect(canonicalJson({ a: new Date(0) }).ok).toBe(false);
    expect(canonicalJson({ a: 1n }).ok).toBe(false);
  });

  it('judged_by and sig are not part of the id', () => {
    const r: LogRecord = { parents: [], thread, actor: 'did:sync:user:a', act: 'KNOW', body: { x: 1 }, clock: 2, data_type: 'SCALAR', judged_by: null };
    expect(recordId({ ...r, judged_by: 'did:sync:user:b' })).toBe(recordId(r));
    expect(recordId({ ...r, sig: 'ab'.repeat(64) })).toBe(recordId(r));
  });
});

describe('toRecord', () => {
  it('drops what the log added, keeps judged_by and sig, and the id stays the same', async () => {
    const { toRecord, recordId, validateRecord } = await import('@syncropel/algebra');
    const record = { parents: [], thread: `th_${'a'.repeat(64)}`, actor: 'did:sync:user:ann', act: 'KNOW' as const, body: { n: 1 }, clock: 3, data_type: 'SCALAR' as const, judged_by: 'did:sync:user:judge', sig: 'ab'.repeat(64) };
    const stored = { ...record, id: recordId(record), seq: 12, ingested_at: 1_700_000_000_000 };
    expect(validateRecord(stored).ok).toBe(false); // seq is not a record field
    const again = toRecord(stored);
    expect(again).toEqual(record);
    expect(validateRecord(again).ok).toBe(true);
    expect(recordId(again)).toBe(stored.id);
    const { sig: _sig, ...unsigned } = record;
    expect(Object.keys(toRecord(unsigned))).not.toContain('sig');
  });
});
