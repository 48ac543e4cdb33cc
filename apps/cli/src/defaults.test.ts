import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from '@syncropel/log';
import { DEFAULT_DURABILITY, DEFAULT_BACKUP_GENERATIONS, MAX_SUSPECTS } from '@syncropel/log-sqlite';
import {
  CHECKPOINT_JOB_SECS,
  DEFAULT_ADAPTER_TIMEOUT_SECS,
  DEFAULT_AITL_TIMEOUT_SECS,
  DEFAULT_DISPATCH_CONCURRENCY,
  DEFAULT_STALL_WINDOW_SECS,
  DEFAULT_TICK_INTERVAL_SECS,
  EXPRESSION_CACHE_CAPACITY,
  MAX_BATCH_RECORDS,
  MAX_RECORD_BYTES,
  SWEEP_JOB_SECS,
} from '@syncropel/kernel';
import { AUDIT_WINDOW_MS, MAX_SECRET_LENGTH, MIN_SECRET_LENGTH } from '@syncropel/auth';
import { DAILY_BACKUP_SECS } from './daemon-process.js';
import { MAX_REQUEST_BYTES } from '@syncropel/http';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HOST, DEFAULT_PORT, SHUTDOWN_GRACE_MS } from '@syncropel/cli';
import { resolvePaths } from './paths.js';

// Every number the README promises is a named constant; these pin them so docs and code agree.
describe('documented defaults and limits', () => {
  it('binds 127.0.0.1:9100 by default with full durability', () => {
    expect(DEFAULT_HOST).toBe('127.0.0.1');
    expect(DEFAULT_PORT).toBe(9100);
    expect(DEFAULT_DURABILITY).toBe('full');
    expect(SHUTDOWN_GRACE_MS).toBe(10_000);
  });

  it('limits records, batches, requests and pages as documented', () => {
    expect(MAX_RECORD_BYTES).toBe(256 * 1024);
    expect(MAX_BATCH_RECORDS).toBe(1000);
    expect(MAX_REQUEST_BYTES).toBe(4 * 1024 * 1024);
    expect(MAX_PAGE_SIZE).toBe(1000);
    expect(DEFAULT_PAGE_SIZE).toBe(100);
  });

  it('runs the loops, caches and backups on the documented numbers', () => {
    expect(EXPRESSION_CACHE_CAPACITY).toBe(1024);
    expect(DEFAULT_DISPATCH_CONCURRENCY).toBe(4);
    expect(DEFAULT_TICK_INTERVAL_SECS).toBe(60);
    expect(DEFAULT_STALL_WINDOW_SECS).toBe(3600);
    expect(DEFAULT_ADAPTER_TIMEOUT_SECS).toBe(30);
    expect(DEFAULT_AITL_TIMEOUT_SECS).toBe(3600);
    expect(CHECKPOINT_JOB_SECS).toBe(3600);
    expect(SWEEP_JOB_SECS).toBe(60);
    expect(DAILY_BACKUP_SECS).toBe(86_400);
    expect(DEFAULT_BACKUP_GENERATIONS).toBe(7);
    expect(MAX_SUSPECTS).toBe(3);
    expect(AUDIT_WINDOW_MS).toBe(60_000);
    expect([MIN_SECRET_LENGTH, MAX_SECRET_LENGTH]).toEqual([16, 256]);
  });

  it('resolves every path from HOME, SYNCROPEL_HOME and XDG_DATA_HOME', () => {
    expect(resolvePaths({ HOME: '/h' })).toMatchObject({
      home: '/h/.syncro',
      db: '/h/.syncro/hub.db',
      identity: '/h/.syncro/identity.json',
      pidFile: '/h/.syncro/run/spl.pid',
      infoFile: '/h/.syncro/run/spl.json',
      logFile: '/h/.syncro/logs/spl.log',
      dataDir: '/h/.syncro-data',
      backupRoot: '/h/.local/share/syncropel/backups',
    });
    expect(resolvePaths({ HOME: '/h', SYNCROPEL_HOME: '/s', XDG_DATA_HOME: '/x' })).toMatchObject({ home: '/s', db: '/s/hub.db', backupRoot: '/x/syncropel/backups' });
  });
});
