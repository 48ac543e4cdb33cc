import { describe, expect, it } from 'vitest';
import { parseConfig, urlForBind } from './config-file.js';

describe('config.toml', () => {
  it('reads [server] host, port and durability; an empty file is an empty config', () => {
    expect(parseConfig('[server]\nhost = "0.0.0.0"\nport = 9200\ndurability = "normal"\n', 'c.toml')).toEqual({ server: { host: '0.0.0.0', port: 9200, durability: 'normal' } });
    expect(parseConfig('# nothing yet\n', 'c.toml')).toEqual({ server: {} });
    expect(parseConfig('server.port = 0\n', 'c.toml')).toEqual({ server: { port: 0 } });
    expect(parseConfig('[server]\nstore = "postgres://spl@db:5432/spl"\n', 'c.toml')).toEqual({ server: { store: 'postgres://spl@db:5432/spl' } });
    expect(parseConfig('[server]\nstore = "sqlite"\n', 'c.toml')).toEqual({ server: { store: 'sqlite' } });
  });

  it('refuses bad values, unknown keys and syntax errors in one line naming the key and line', () => {
    const err = (text: string) => {
      try {
        parseConfig(text, 'c.toml');
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err('[server]\n\nport = 70000\n')).toBe('c.toml:3: server.port must be an integer from 0 to 65535');
    expect(err('[server]\nport = 1.5\n')).toBe('c.toml:2: server.port must be an integer from 0 to 65535');
    expect(err('[server]\nhost = ""\n')).toMatch(/^c\.toml:2: server\.host must be a non-empty string/);
    expect(err('[server]\nbind = "x"\n')).toBe('c.toml:2: server.bind is not a known key (known: host, port, durability, store)');
    expect(err('[server]\nstore = "mysql://x"\n')).toBe('c.toml:2: server.store must be "sqlite" or a postgres:// URL');
    expect(err('[server]\nstore = 5\n')).toBe('c.toml:2: server.store must be "sqlite" or a postgres:// URL');
    expect(err('[backup]\nkeep = 7\n')).toBe('c.toml:1: backup is not a known section (known: [server])');
    expect(err('server.prot = 1\n')).toBe('c.toml:1: server.prot is not a known key (known: host, port, durability, store)');
    expect(err('[server]\nport = \n')).toMatch(/^c\.toml:2: /);
    for (const text of ['[server]\nport = 70000\n', '[server\n']) expect(err(text)).not.toContain('\n');
  });

  it('turns a bind address into the URL clients use (wildcards through loopback)', () => {
    expect(urlForBind('127.0.0.1', 9100)).toBe('http://127.0.0.1:9100');
    expect(urlForBind('0.0.0.0', 9100)).toBe('http://127.0.0.1:9100');
    expect(urlForBind('::', 9100)).toBe('http://[::1]:9100');
    expect(urlForBind('::1', 1)).toBe('http://[::1]:1');
    expect(urlForBind('example.internal', 80)).toBe('http://example.internal:80');
  });
});
