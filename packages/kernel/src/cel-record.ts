import type { JsonValue, StoredRecord } from '@syncropel/algebra';

/**
 * A record as CEL sees it: JSON integers become CEL ints (BigInt), so `record.clock > 3` and
 * `record.body.count == 2` compare as users expect; other numbers stay doubles.
 */
export function celRecord(record: Omit<StoredRecord, 'seq' | 'ingested_at' | 'id'> & Partial<Pick<StoredRecord, 'id' | 'seq'>>): Record<string, unknown> {
  return toCel(record as unknown as JsonValue) as Record<string, unknown>;
}

function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toCel(x);
    return out;
  }
  return v;
}
