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

describe('daemon log levels, access lines and rotation', () => {
  it('writes the chosen level and the ones after it', async () => {
    const { jsonLog, parseLogLevel } = await import('./daemon-log.js');
    const lines: string[] = [];
    const log = jsonLog((l) => lines.push(l), [], 'warn');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['w', 'e']);
    expect([parseLogLevel('debug'), parseLogLevel('verbose'), parseLogLevel(undefined)]).toEqual(['debug', undefined, undefined]);
  });

  it('logs one access line per request: method, route pattern, status, ms and the account, never a bearer', async () => {
    const { jsonLog, terminalLog } = await import('./daemon-log.js');
    const lines: string[] = [];
    jsonLog((l) => lines.push(l)).access({ method: 'GET', route: '/v1/records/:id', status: 200, ms: 3.26, principal: 'sa-ci' });
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'info', event: 'request', method: 'GET', route: '/v1/records/:id', status: 200, ms: 3.3, principal: 'sa-ci', msg: 'GET /v1/records/:id 200 3 ms (sa-ci)' });
    const human: string[] = [];
    terminalLog((l) => human.push(l)).access({ method: 'POST', route: '/v1/records', status: 401, ms: 1, principal: null });
    expect(human).toEqual(['spl: POST /v1/records 401 1 ms\n']);
  });

  it('moves the file aside past its size while running, and keeps the file owner-only', async () => {
    const { mkdtempSync, readFileSync, rmSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { fileLog } = await import('./daemon-log.js');
    const dir = mkdtempSync(join(tmpdir(), 'spl-log-'));
    try {
      const path = join(dir, 'logs', 'spl.log');
      const log = fileLog(path, 400);
      for (let i = 0; i < 6; i++) log.info(`line ${i} ${'x'.repeat(60)}`);
      const current = readFileSync(path, 'utf8').trim().split('\n');
      const previous = readFileSync(`${path}.1`, 'utf8').trim().split('\n');
      expect(statSync(path).size).toBeLessThanOrEqual(400);
      expect([...previous, ...current].map((l) => (JSON.parse(l) as { msg: string }).msg.split(' ')[1])).toEqual(['2', '3', '4', '5'].slice(-(previous.length + current.length)));
      expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
