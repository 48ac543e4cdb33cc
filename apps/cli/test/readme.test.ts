import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateRecord } from '@syncropel/algebra';
import { describe, expect, it } from 'vitest';
import { startPostgresCluster } from '../../../tooling/postgres-cluster.mjs';
import { blocksUnder as blocksOf } from '../../../tooling/readme-blocks.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');

/** The fenced blocks of a language that follow a heading. */
const blocksUnder = (heading: string, lang: string): string[] => blocksOf(readme, heading, lang);

describe('README examples run as written', () => {
  it('names the two commands, and package.json defines them', () => {
    const [commands] = blocksUnder('Set up and test', 'sh');
    expect(commands).toMatch(/^npm run setup/m);
    expect(commands).toMatch(/^npm test/m);
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.setup).toContain('--frozen-lockfile');
    expect(pkg.scripts.test).toBe('vitest run');
  });

  it('the embedding example runs and prints what its comment says', () => {
    const [example] = blocksUnder('Embedding the kernel', 'js');
    // Run it from inside the CLI package, whose dependencies include every package the example imports.
    const file = fileURLToPath(new URL('./.readme-embedding-example.mjs', import.meta.url));
    writeFileSync(file, example as string);
    try {
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('committed 1\ncreated 1 64\n');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('the SQLite embedding example writes a file, prints what its comment says and exits by itself', () => {
    const [, example] = blocksUnder('Embedding the kernel', 'js');
    expect(example).toContain('openSqliteLogStore');
    const file = fileURLToPath(new URL('./.readme-sqlite-example.mjs', import.meta.url));
    const cwd = mkdtempSync(join(tmpdir(), 'spl-readme-sqlite-'));
    writeFileSync(file, example as string);
    try {
      const r = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('created 1 1\n');
      expect(existsSync(join(cwd, 'embedded.db'))).toBe(true);
    } finally {
      rmSync(file, { force: true });
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('the PostgreSQL embedding example runs against a real server and names the store and the lead', async () => {
    const [, , example] = blocksUnder('Embedding the kernel', 'js');
    expect(example).toContain('openPostgresLogStore');
    const cluster = await startPostgresCluster();
    const file = fileURLToPath(new URL('./.readme-postgres-example.mjs', import.meta.url));
    writeFileSync(file, example as string);
    try {
      const url = await cluster.createDatabase();
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, DATABASE_URL: url } });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${url} true\n`);
    } finally {
      rmSync(file, { force: true });
      await cluster.stop();
    }
  }, 60_000);

  it('the quick-start record is a valid record', () => {
    const [shell] = blocksUnder('Quick start', 'sh').filter((b) => b.includes('/v1/records'));
    const body = /-d '([\s\S]*?)'/.exec(shell as string)?.[1];
    expect(validateRecord(JSON.parse(body as string)).ok).toBe(true);
  });
});
