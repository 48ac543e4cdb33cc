import { describe, expect, it } from 'vitest';
import { jsonLog, redact, terminalLog } from './daemon-log.js';

const SECRET = 'Zx9-very-secret-bootstrap-value';

describe('daemon log', () => {
  it('writes one JSON object per line with ts, level, pid, msg and fields', () => {
    const lines: string[] = [];
    const log = jsonLog((l) => lines.push(l), [SECRET]);
    log.info('listening on http://127.0.0.1:9100', { event: 'listening', records: 4 });
    log.error('boom');
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({ level: 'info', pid: process.pid, msg: 'listening on http://127.0.0.1:9100', event: 'listening', records: 4 });
    expect(Date.parse(a?.ts as string)).not.toBeNaN();
    expect(b).toMatchObject({ level: 'error', msg: 'boom' });
  });

  it('redacts bearers and the given secrets in messages and fields', () => {
    const lines: string[] = [];
    jsonLog((l) => lines.push(l), [SECRET]).warn(`got spl_prod_sa-ci_abcdefghijklmnop_q and ${SECRET}`, { header: `Bearer spl_dev_sa-x_${SECRET}` });
    const out = lines.join('');
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain('abcdefghijklmnop');
    expect(out).toContain('spl_prod_sa-ci_<redacted>');
    expect(redact('bearer is spl_prod_sa-bootstrap-env_<your secret>', [])).toBe('bearer is spl_prod_sa-bootstrap-env_<your secret>');
    const term: string[] = [];
    terminalLog((l) => term.push(l), [SECRET]).warn(`value ${SECRET}`);
    expect(term).toEqual(['spl: warning: value <redacted>\n']);
  });
});
