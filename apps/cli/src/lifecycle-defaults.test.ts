import { describe, expect, it } from 'vitest';
import { BACKUP_STALE_MS, CLOCK_SKEW_TOLERANCE_MS, LOG_ROTATE_BYTES, PID_FILE_MODE, START_TIMEOUT_MS, STOP_TIMEOUT_MS, WAL_WARN_BYTES } from './defaults.js';
import { resolvePaths } from './paths.js';
import { LAUNCHD_LABEL, SYSTEMD_UNIT_NAME } from './service-units.js';

// The lifecycle numbers and paths the README promises, pinned so docs and code agree.
describe('lifecycle defaults', () => {
  it('waits 20 s for a start and 30 s for a stop, longer than the 10 s shutdown grace', () => {
    expect(START_TIMEOUT_MS).toBe(20_000);
    expect(STOP_TIMEOUT_MS).toBe(30_000);
  });

  it('writes the PID file 0644 and rotates the log past 10 MiB', () => {
    expect(PID_FILE_MODE).toBe(0o644);
    expect(LOG_ROTATE_BYTES).toBe(10 * 1024 * 1024);
  });

  it('doctor: WAL over 64 MiB, backups over 48 h and files over 5 min in the future warn', () => {
    expect(WAL_WARN_BYTES).toBe(64 * 1024 * 1024);
    expect(BACKUP_STALE_MS).toBe(48 * 3600 * 1000);
    expect(CLOCK_SKEW_TOLERANCE_MS).toBe(5 * 60 * 1000);
  });

  it('puts config.toml in the home and service units where systemd and launchd look', () => {
    expect(resolvePaths({ HOME: '/h' })).toMatchObject({
      config: '/h/.syncro/config.toml',
      systemdUnit: '/h/.config/systemd/user/syncropel.service',
      launchdPlist: '/h/Library/LaunchAgents/com.syncropel.spl.plist',
    });
    expect(resolvePaths({ HOME: '/h', XDG_CONFIG_HOME: '/c', SYNCROPEL_HOME: '/s' })).toMatchObject({ config: '/s/config.toml', systemdUnit: '/c/systemd/user/syncropel.service' });
    expect(SYSTEMD_UNIT_NAME).toBe('syncropel.service');
    expect(LAUNCHD_LABEL).toBe('com.syncropel.spl');
  });
});
