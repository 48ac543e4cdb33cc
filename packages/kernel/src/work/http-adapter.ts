import type { JsonValue } from '@syncropel/algebra';
import { MAX_ADAPTER_OUTPUT_BYTES, type Adapter } from './adapter.js';

/** POSTs each record as JSON to a URL; a 2xx answer with a JSON body is success. */
export function httpAdapter(url: string): Adapter {
  return {
    async run(record, signal) {
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record), signal });
      } catch (e) {
        return { ok: false, error: signal.aborted ? `timed out (${String(signal.reason ?? 'aborted')})` : `request failed: ${(e as Error).message}` };
      }
      let text: string;
      try {
        const read = await readCapped(res, MAX_ADAPTER_OUTPUT_BYTES);
        if (read === undefined) return { ok: false, error: `answer larger than ${MAX_ADAPTER_OUTPUT_BYTES} bytes` };
        text = read;
      } catch (e) {
        return { ok: false, error: `reading the answer failed: ${(e as Error).message}` };
      }
      let output: JsonValue;
      try {
        output = text === '' ? null : (JSON.parse(text) as JsonValue);
      } catch {
        return { ok: false, error: `answer is not JSON (status ${res.status}): ${JSON.stringify(text.slice(0, 200))}` };
      }
      if (!res.ok) return { ok: false, error: `answered ${res.status}`, output };
      return { ok: true, output };
    },
  };
}

/** Reads a response body as UTF-8, stopping (and cancelling it) once it passes `max` bytes. */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      return undefined;
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}
