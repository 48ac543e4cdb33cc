/**
 * Proves the layer rules in `dependency-cruiser.cjs` fire: builds a throwaway monorepo in a temp dir,
 * plants one violation at a time, and runs the real config through the real depcruise binary.
 * Also checks that the actual repo is clean under the same command `npm run lint` uses.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = fileURLToPath(new URL('./dependency-cruiser.cjs', import.meta.url));
const DEPCRUISE = join(REPO_ROOT, 'node_modules', '.bin', 'depcruise');
const SPAWN_TIMEOUT_MS = 45_000;

/** The fake workspace packages, lowest layer first; each index imports the layer just below it. */
const PACKAGES = [
  { name: 'algebra', dir: 'packages/algebra' },
  { name: 'trust', dir: 'packages/trust' },
  { name: 'log', dir: 'packages/log' },
  { name: 'kernel', dir: 'packages/kernel' },
  { name: 'http', dir: 'packages/http' },
  { name: 'cli', dir: 'apps/cli' },
] as const;

/** A planted violation: one extra file, and the rule whose name must appear in depcruise's output. */
interface Violation {
  title: string;
  file: string;
  source: string;
  rule: string;
}

const VIOLATIONS: Violation[] = [
  // The cases the layer rules exist for.
  { title: 'algebra imports node:fs', file: 'packages/algebra/src/bad.ts', source: "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", rule: 'pure-layer-algebra' },
  { title: 'algebra imports bare fs', file: 'packages/algebra/src/bad.ts', source: "import fs from 'fs';\nexport const r = fs;\n", rule: 'pure-layer-algebra' },
  { title: 'trust imports better-sqlite3', file: 'packages/trust/src/bad.ts', source: "import Database from 'better-sqlite3';\nexport const d = Database;\n", rule: 'pure-layer-trust' },
  { title: 'log imports @syncropel/kernel', file: 'packages/log/src/bad.ts', source: "import { kernel } from '@syncropel/kernel';\nexport const k = kernel;\n", rule: 'no-upward-import-from-log' },
  { title: 'kernel imports @syncropel/http', file: 'packages/kernel/src/bad.ts', source: "import { http } from '@syncropel/http';\nexport const h = http;\n", rule: 'no-upward-import-from-kernel' },
  { title: 'http imports apps/cli by a relative path', file: 'packages/http/src/bad.ts', source: "import { cli } from '../../../apps/cli/src/index.ts';\nexport const c = cli;\n", rule: 'no-upward-import-from-http' },
  { title: "http imports kernel's src/internal/", file: 'packages/http/src/bad.ts', source: "import { secret } from '../../kernel/src/internal/x.ts';\nexport const s = secret;\n", rule: 'no-foreign-internal-import' },
  // Holes the rules must not have.
  { title: 'algebra imports an I/O package whose entry is under dist/ (hono)', file: 'packages/algebra/src/bad.ts', source: "import { Hono } from 'hono';\nexport const h = Hono;\n", rule: 'pure-layer-algebra' },
  { title: 'an algebra test imports node:fs', file: 'packages/algebra/src/bad.test.ts', source: "import { it } from 'vitest';\nimport { readFileSync } from 'node:fs';\nit('x', () => readFileSync);\n", rule: 'pure-layer-algebra-tests' },
  { title: 'trust imports log by a relative path', file: 'packages/trust/src/bad.ts', source: "import { log } from '../../log/src/index.ts';\nexport const l = log;\n", rule: 'no-upward-import-from-trust' },
  { title: 'kernel imports @syncropel/http for types only', file: 'packages/kernel/src/bad.ts', source: "import type { Http } from '@syncropel/http';\nexport type H = Http;\n", rule: 'no-upward-import-from-kernel' },
  { title: "cli imports kernel's internal by package name", file: 'apps/cli/src/bad.ts', source: "import { secret } from '@syncropel/kernel/internal/x';\nexport const s = secret;\n", rule: 'no-foreign-internal-import' },
  { title: 'kernel files import each other in a cycle', file: 'packages/kernel/src/cycle-a.ts', source: "import { b } from './cycle-b.js';\nexport const a = () => b;\n", rule: 'no-circular' },
  { title: 'kernel imports the SQLite store adapter', file: 'packages/kernel/src/bad.ts', source: "import { sqlite } from '@syncropel/log-sqlite';\nexport const s = sqlite;\n", rule: 'store-adapter-only-in-app' },
  { title: 'http imports the PostgreSQL store adapter by a relative path', file: 'packages/http/src/bad.ts', source: "import { pg } from '../../log-postgres/src/index.ts';\nexport const p = pg;\n", rule: 'store-adapter-only-in-app' },
  { title: 'one store adapter imports the other', file: 'packages/log-postgres/src/bad.ts', source: "import { sqlite } from '@syncropel/log-sqlite';\nexport const s = sqlite;\n", rule: 'store-adapter-only-in-app' },
  { title: 'a package imports bench/', file: 'packages/kernel/src/bad.ts', source: "import { bench } from '../../../bench/run.ts';\nexport const b = bench;\n", rule: 'no-import-of-bench' },
  // The web console: browser code that talks HTTP, importing nothing, imported by nothing.
  { title: 'the console imports @syncropel/algebra', file: 'apps/console/src/bad.ts', source: "import { algebra } from '@syncropel/algebra';\nexport const a = algebra;\n", rule: 'console-is-standalone' },
  { title: 'the console imports @syncropel/http for types only', file: 'apps/console/src/bad.ts', source: "import type { Http } from '@syncropel/http';\nexport type H = Http;\n", rule: 'console-is-standalone' },
  { title: 'the console imports node:fs', file: 'apps/console/src/bad.ts', source: "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", rule: 'console-is-standalone' },
  { title: 'the console imports an npm package (hono)', file: 'apps/console/src/bad.ts', source: "import { Hono } from 'hono';\nexport const h = Hono;\n", rule: 'console-is-standalone' },
  { title: 'a console test imports node:fs', file: 'apps/console/src/bad.test.ts', source: "import { it } from 'vitest';\nimport { readFileSync } from 'node:fs';\nit('x', () => readFileSync);\n", rule: 'console-is-standalone-tests' },
  { title: 'the cli imports the console by name', file: 'apps/cli/src/bad.ts', source: "import { app } from '@syncropel/console';\nexport const a = app;\n", rule: 'no-import-of-console' },
  { title: 'the cli imports the console by a relative path', file: 'apps/cli/src/bad.ts', source: "import { app } from '../../console/src/app.ts';\nexport const a = app;\n", rule: 'no-import-of-console' },
];

const scratchDirs: string[] = [];

afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

describe('layer rules (tooling/dependency-cruiser.cjs)', () => {
  it('passes a clean tree that uses every allowed kind of import', () => {
    const result = cruise(makeTree());
    expect(result.output).toContain('no dependency violations found');
    expect(result.status).toBe(0);
  });

  it.each(VIOLATIONS)('fails when $title', ({ file, source, rule }) => {
    const root = makeTree();
    write(root, file, source);
    if (rule === 'no-circular') {
      write(root, 'packages/kernel/src/cycle-b.ts', "import { a } from './cycle-a.js';\nexport const b = () => a;\n");
    }
    const result = cruise(root);
    // depcruise's report line: `error <rule>: <from> → <to>`; pinning the file proves it was the plant.
    expect(result.output).toContain(`${rule}: ${file} →`);
    expect(result.status).not.toBe(0);
  });

  it('passes on the real repo (npm run lint)', () => {
    const result = spawnSync('npx', ['--no', '--', 'depcruise', '--config', 'tooling/dependency-cruiser.cjs', 'packages', 'apps'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: SPAWN_TIMEOUT_MS,
    });
    // On failure the message carries depcruise's report, which names each violating import.
    expect(result.error, String(result.error)).toBeUndefined();
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  });
});

/** Runs the real config with the real binary inside `root`; always returns (spawnSync has a timeout). */
function cruise(root: string): { status: number | null; output: string } {
  const result = spawnSync(DEPCRUISE, ['--config', CONFIG, 'packages', 'apps'], {
    cwd: root,
    encoding: 'utf8',
    timeout: SPAWN_TIMEOUT_MS,
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/**
 * Writes a minimal monorepo that mirrors the real layout and is clean under the rules. It exercises
 * every *allowed* import, so a rule that is too broad fails the clean-tree test.
 */
function makeTree(): string {
  // realpath: depcruise reports paths relative to cwd after following symlinks (macOS /tmp is one).
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'syncropel-layers-')));
  scratchDirs.push(root);

  PACKAGES.forEach(({ name, dir }, i) => {
    write(root, `${dir}/package.json`, JSON.stringify({
      name: `@syncropel/${name}`,
      type: 'module',
      exports: {
        '.': { source: './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' },
        './internal/*': null,
      },
    }));
    const below = PACKAGES[i - 1];
    const lines = below
      ? [`import { ${below.name} as lower } from '@syncropel/${below.name}';`, `export const ${name} = [lower];`]
      : [`export const ${name} = [];`];
    write(root, `${dir}/src/index.ts`, `${lines.join('\n')}\n`);
    symlinkSync(join(root, dir), mkdirFor(join(root, 'node_modules', '@syncropel', name)), 'dir');
  });

  // Allowed: a package's own internals (kernel), with a NodeNext-style `.js` specifier for a `.ts` file.
  write(root, 'packages/kernel/src/internal/x.ts', 'export const secret = 1;\n');
  write(root, 'packages/kernel/src/uses-internal.ts', "import { secret } from './internal/x.js';\nexport const s = secret;\n");
  // Allowed: pure layers use the pure allowlist; trust uses algebra; pure tests use vitest + fast-check.
  write(root, 'packages/algebra/src/hash.ts', "import { sha256 } from '@noble/hashes/sha2.js';\nexport const h = sha256;\n");
  write(root, 'packages/trust/src/uses-algebra.ts', "import { algebra } from '@syncropel/algebra';\nexport const a = algebra;\n");
  write(root, 'packages/algebra/src/hash.test.ts', [
    "import fc from 'fast-check';",
    "import { expect, it } from 'vitest';",
    "import { h } from './hash.ts';",
    "it('hashes', () => { fc.assert(fc.property(fc.string(), () => true)); expect(h).toBeDefined(); });",
    '',
  ].join('\n'));
  // Allowed: store adapters on the port; the application picks them; a kernel test uses a real store.
  for (const name of ['log-sqlite', 'log-postgres']) {
    write(root, `packages/${name}/package.json`, JSON.stringify({ name: `@syncropel/${name}`, type: 'module', exports: { '.': { source: './src/index.ts' } } }));
    write(root, `packages/${name}/src/index.ts`, `import { log } from '@syncropel/log';\nexport const ${name === 'log-sqlite' ? 'sqlite' : 'pg'} = [log];\n`);
    symlinkSync(join(root, 'packages', name), mkdirFor(join(root, 'node_modules', '@syncropel', name)), 'dir');
  }
  write(root, 'apps/cli/src/stores.ts', "import { sqlite } from '@syncropel/log-sqlite';\nimport { pg } from '@syncropel/log-postgres';\nexport const stores = [sqlite, pg];\n");
  write(root, 'packages/kernel/src/store.test.ts', "import { sqlite } from '@syncropel/log-sqlite';\nexport const s = sqlite;\n");
  // Allowed: impure layers use I/O libraries and skip layers downward; non-pure tests may use node:*.
  write(root, 'packages/log/src/sqlite.ts', "import Database from 'better-sqlite3';\nimport { readFileSync } from 'node:fs';\nexport const d = [Database, readFileSync];\n");
  write(root, 'apps/cli/src/main.ts', "import { algebra } from '@syncropel/algebra';\nimport { kernel } from '@syncropel/kernel';\nexport const m = [algebra, kernel];\n");
  write(root, 'bench/run.ts', "import { cli } from '@syncropel/cli';\nexport const bench = cli;\n");
  // Allowed: the console imports its own files; its tests use vitest.
  write(root, 'apps/console/package.json', JSON.stringify({ name: '@syncropel/console', type: 'module', exports: { './package.json': './package.json' } }));
  write(root, 'apps/console/src/app.ts', "import { route } from './router.js';\nexport const app = route;\n");
  write(root, 'apps/console/src/router.ts', 'export const route = 1;\n');
  write(root, 'apps/console/src/router.test.ts', "import { expect, it } from 'vitest';\nimport { route } from './router.ts';\nit('routes', () => expect(route).toBe(1));\n");
  symlinkSync(join(root, 'apps/console'), mkdirFor(join(root, 'node_modules', '@syncropel', 'console')), 'dir');
  // Build output must be ignored, even when it would violate the rules.
  write(root, 'packages/algebra/dist/index.js', "import 'node:fs';\nimport '@syncropel/http';\n");

  // Stub npm packages. hono and vitest point into dist/ like the real ones do.
  stubPackage(root, '@noble/hashes', { exports: { './sha2.js': './sha2.js' } }, 'sha2.js');
  stubPackage(root, 'fast-check', { main: 'index.js' }, 'index.js');
  stubPackage(root, 'vitest', { exports: { '.': './dist/index.js' } }, 'dist/index.js');
  stubPackage(root, 'better-sqlite3', { main: 'lib/index.js' }, 'lib/index.js');
  stubPackage(root, 'hono', { exports: { '.': './dist/index.js' } }, 'dist/index.js');
  return root;
}

function stubPackage(root: string, name: string, manifest: object, entry: string): void {
  const dir = `node_modules/${name}`;
  write(root, `${dir}/package.json`, JSON.stringify({ name, version: '0.0.0', ...manifest }));
  write(root, `${dir}/${entry}`, 'export default {};\n');
}

function write(root: string, rel: string, text: string): void {
  writeFileSync(mkdirFor(join(root, rel)), text);
}

/** Creates the parent folder of `file` and returns `file`. */
function mkdirFor(file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  return file;
}
