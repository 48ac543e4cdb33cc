import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonTooDeep, recordId, validateRecord } from '@syncropel/algebra';

const good = {
  parents: [],
  thread: `th_${'b'.repeat(64)}`,
  actor: 'did:sync:user:alice',
  act: 'INTEND',
  body: { domain: 'code' },
  clock: 0,
  data_type: 'SCALAR',
};

function issue(input: unknown) {
  const r = validateRecord(input);
  return r.ok ? undefined : r.error.field;
}

describe('validateRecord', () => {
  it('accepts a well-formed record and defaults judged_by to null', () => {
    const r = validateRecord(good);
    expect(r).toEqual({ ok: true, value: { ...good, judged_by: null } });
  });

  it('accepts reserved thread names', () => {
    expect(validateRecord({ ...good, thread: 'th_engine_config', act: 'LEARN' }).ok).toBe(true);
  });

  it('names the field of each malformation', () => {
    expect(issue('nope')).toBe('record');
    expect(issue([good])).toBe('record');
    expect(issue({ ...good, act: 'SHOUT' })).toBe('act');
    expect(issue({ ...good, act: undefined })).toBe('act');
    expect(issue({ ...good, body: [] })).toBe('body');
    expect(issue({ ...good, body: 'text' })).toBe('body');
    expect(issue({ ...good, clock: -1 })).toBe('clock');
    expect(issue({ ...good, clock: 1.5 })).toBe('clock');
    expect(issue({ ...good, clock: '3' })).toBe('clock');
    expect(issue({ ...good, thread: 'th_XYZ' })).toBe('thread');
    expect(issue({ ...good, actor: 'alice' })).toBe('actor');
    expect(issue({ ...good, data_type: 'BLOB' })).toBe('data_type');
    expect(issue({ ...good, parents: ['nope'] })).toBe('parents[0]');
    expect(issue({ ...good, parents: 'x' })).toBe('parents');
    expect(issue({ ...good, judged_by: 'bob' })).toBe('judged_by');
    expect(issue({ ...good, sig: 'zz' })).toBe('sig');
    expect(issue({ ...good, colour: 'red' })).toBe('colour');
    expect(issue({ ...good, id: '0'.repeat(64) })).toBe('id');
  });

  it('prefixes nested field names, for batches', () => {
    const r = validateRecord({ ...good, act: 'x' }, 'records[3]');
    expect(r.ok ? '' : r.error.field).toBe('records[3].act');
  });

  it('accepts an echoed stored record whose id matches', () => {
    const first = validateRecord(good);
    if (!first.ok) throw new Error('setup');
    expect(validateRecord({ ...good, id: recordId(first.value) }).ok).toBe(true);
  });

  it(`refuses a body nested deeper than ${MAX_JSON_DEPTH} levels, at any depth, without overflowing the stack`, () => {
    const nest = (levels: number, leaf: unknown = 1): unknown => {
      let v = leaf;
      for (let i = 1; i < levels; i++) v = i % 2 ? [v] : { a: v };
      return v;
    };
    expect(validateRecord({ ...good, body: { x: nest(MAX_JSON_DEPTH) } }).ok).toBe(true);
    const over = validateRecord({ ...good, body: { x: nest(MAX_JSON_DEPTH + 1) } });
    expect(over.ok).toBe(false);
    if (!over.ok) {
      expect(over.error.field).toMatch(/^body\.x/);
      expect(over.error.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
    }
    for (const levels of [5_000, 200_000]) {
      const r = validateRecord({ ...good, body: { x: nest(levels) } }, 'records[2]');
      expect(r.ok ? '' : r.error.message).toContain('records[2].body nests deeper');
    }
    expect(jsonTooDeep([[[]]], 3)).toBeUndefined();
    expect(jsonTooDeep([[[[]]]], 3)).toBe('$[0][0][0]');
  });
});
