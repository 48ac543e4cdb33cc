import { describe, expect, it } from 'vitest';
import { recordId, validateRecord } from '@syncropel/algebra';

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
});
