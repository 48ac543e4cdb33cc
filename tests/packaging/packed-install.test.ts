import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocksUnder } from '../../tooling/readme-blocks.js';
import { toCommonJs, tsconfigFor, typeUses, withoutTopLevelAwait } from './consumer-files.js';

// An outside developer's view of the packages: `pnpm pack` each one (what a publish would
// upload), install the tarballs into a fresh project outside the workspace with npm and with
// pnpm, then run the README's embedding examples from ESM, from CommonJS and bundled, and
// type-check a consumer under every module resolution TypeScript offers for Node.

const root = fileURLToPath(new URL('../../', import.meta.url));
const PNPM = join(root, 'node_modules/.bin/pnpm');
const TSC = join(root, 'node_modules/typescript/bin/tsc');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const [memoryExample, sqliteExample] = blocksUnder(readme, 'Embedding the kernel', 'js') as [string, string];

interface Package {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
}

/** Every package the workspace would publish (not private). */
function publishedPackages(): Package[] {
  const found: Package[] = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const dir = join(root, group, name);
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string; private?: boolean };
      if (!manifest.private) found.push({ name: manifest.name, version: manifest.version, dir });
    }
  }
  return found;
}

/**
 * The environment of a command run as an outsider: nothing of the npm script or test runner
 * that started us (`npm_config_local_prefix` would point npm back at the workspace), but the
 * node headers setting native builds need offline.
 */
function outsiderEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$|PNPM_)/i.test(k)) continue;
    env[k] = v;
  }
  const nodedir = process.env.npm_config_nodedir;
  if (nodedir) env.npm_config_nodedir = nodedir;
  return env;
}

function run(command: string, args: readonly string[], cwd: string, timeout = 60_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env: outsiderEnv(), encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
}

function mustRun(command: string, args: readonly string[], cwd: string, timeout?: number): string {
  const r = run(command, args, cwd, timeout);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let work: string;
const tarballs = new Map<string, string>();

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'spl-packed-'));
  const packs = join(work, 'tarballs');
  mkdirSync(packs);
  for (const pkg of publishedPackages()) {
    if (!existsSync(join(pkg.dir, 'dist'))) throw new Error(`${pkg.name} is not built: run the README's set-up command (npm run setup) first`);
    mustRun(PNPM, ['pack', '--pack-destination', packs], pkg.dir);
    const tarball = join(packs, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`);
    if (!existsSync(tarball)) throw new Error(`pnpm pack wrote no ${tarball}`);
    tarballs.set(pkg.name, tarball);
  }
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

it('packs what a publish would upload: built code, types for ESM and CommonJS, no sources, no workspace ranges', () => {
  expect([...tarballs.keys()]).toEqual(expect.arrayContaining(['@syncropel/algebra', '@syncropel/kernel', '@syncropel/log-sqlite', '@syncropel/http', '@syncropel/cli']));
  for (const [name, tarball] of tarballs) {
    const files = mustRun('tar', ['-tzf', tarball], work).split('\n').filter(Boolean);
    const text = mustRun('tar', ['-xzf', tarball, '-O', 'package/package.json'], work);
    const manifest = JSON.parse(text) as { license?: string; exports?: Record<string, unknown> };
    expect(files, name).toEqual(expect.arrayContaining(['package/package.json', 'package/LICENSE', 'package/README.md']));
    // A package with code (not the console's static assets) ships both builds and both typings.
    if (manifest.exports?.['.']) {
      expect(files, name).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/index.cjs', 'package/dist/index.d.ts', 'package/dist/index.d.cts']));
    }
    expect(files.filter((f) => f.startsWith('package/src/')), name).toEqual([]);
    expect(text, name).not.toContain('workspace:');
    expect(text, name).not.toContain('"source"');
    expect(manifest.license, name).toBe('Apache-2.0');
  }
});

describe.each(['npm', 'pnpm'] as const)('installed from the tarballs with %s', (manager) => {
  let project: string;

  beforeAll(() => {
    project = join(work, manager);
    mkdirSync(project);
    const files = Object.fromEntries([...tarballs].map(([name, tarball]) => [name, `file:${tarball}`]));
    // Each package's own dependency on another (`^0.1.0`) must resolve to its tarball too, not
    // to the registry, where these versions are not published.
    const manifest: Record<string, unknown> = {
      name: `scratch-${manager}`,
      version: '1.0.0',
      private: true,
      // hono: the HTTP package's peer. better-sqlite3: a bundle leaves the native module
      // external, so the service depends on it itself (pnpm's strict layout enforces that).
      dependencies: { ...files, hono: '^4.13.0', 'better-sqlite3': '^12.11.1', '@types/node': '^20.19.0' },
    };
    if (manager === 'npm') manifest.overrides = files;
    writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    if (manager === 'npm') {
      mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], project, 600_000);
    } else {
      const overrides = Object.entries(files).map(([name, spec]) => `  '${name}': '${spec}'`);
      writeFileSync(join(project, 'pnpm-workspace.yaml'), `overrides:\n${overrides.join('\n')}\nallowBuilds:\n  better-sqlite3: true\n  esbuild: true\n`);
      mustRun(PNPM, ['install', '--prefer-offline'], project, 600_000);
    }
  }, 900_000);

  /** Runs a program from the project in a directory of its own; it must end by itself. */
  function runProgram(name: string, text: string): SpawnSyncReturns<string> {
    const file = join(project, name);
    writeFileSync(file, text);
    const cwd = mkdtempSync(join(project, 'run-'));
    return run(process.execPath, [file], cwd, 30_000);
  }

  const examples = [
    ['memory', 'the memory store', () => memoryExample, 'committed 1\ncreated 1 64\n'],
    ['sqlite', 'the SQLite store', () => sqliteExample, 'created 1 1\n'],
  ] as const;

  for (const [slug, store, example, printed] of examples) {
    it(`runs the README's embedding example with ${store} as ESM, and it exits by itself`, () => {
      const r = runProgram(`example-${slug}.mjs`, example());
      expect(r.stderr).toBe('');
      expect(r.signal).toBeNull();
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(printed);
    });

    it(`runs it with ${store} from CommonJS (require)`, () => {
      const r = runProgram(`example-${slug}.cjs`, toCommonJs(example()));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(printed);
    });
  }

  it('loads every package from ESM (import) and from CommonJS (require)', () => {
    const names = [...tarballs.keys()].filter((name) => name !== '@syncropel/console'); // static assets only
    const esm = runProgram('load-all.mjs', `for (const name of ${JSON.stringify(names)}) console.log(name, Object.keys(await import(name)).length > 1);\n`);
    const cjs = runProgram('load-all.cjs', `for (const name of ${JSON.stringify(names)}) console.log(name, Object.keys(require(name)).length > 1);\n`);
    const expected = names.map((name) => `${name} true\n`).join('');
    expect(esm.stderr + esm.stdout).toBe(expected);
    expect(cjs.stderr + cjs.stdout).toBe(expected);
  });

  it('runs the SQLite example bundled by esbuild, ESM or CommonJS out, from ESM or CommonJS source', async () => {
    // The example, then a record check on the backup worker: the migrations travel in the code,
    // and the worker is found from the bundle (in the installed package).
    const esmSource = `${sqliteExample}\nimport { checkLogFile } from '@syncropel/log-sqlite';\nconst verdict = await checkLogFile('embedded.db');\nconsole.log('verified', verdict.ok, verdict.record_count);\n`;
    // An ESM source bundled to CommonJS is the usual TypeScript service build: esbuild leaves
    // import.meta empty there, which the packages must survive (and it allows no top-level await).
    const sources = { esm: join(project, 'bundle-entry.mjs'), 'esm-main': join(project, 'bundle-entry-main.mjs'), cjs: join(project, 'bundle-entry.cjs') };
    writeFileSync(sources.esm, esmSource);
    writeFileSync(sources['esm-main'], withoutTopLevelAwait(esmSource));
    writeFileSync(sources.cjs, toCommonJs(esmSource));
    const cases = [['esm', 'esm'], ['esm-main', 'cjs'], ['cjs', 'cjs']] as const;
    for (const [from, format] of cases) {
      const outfile = join(project, 'bundle', `${from}-to-${format}.${format === 'esm' ? 'mjs' : 'cjs'}`);
      // better-sqlite3 is a native module: a bundle leaves it to node_modules, as with any addon.
      await build({ entryPoints: [sources[from]], bundle: true, platform: 'node', target: 'node20', format, outfile, external: ['better-sqlite3'], logLevel: 'silent' });
      const cwd = mkdtempSync(join(project, 'run-bundle-'));
      const r = run(process.execPath, [outfile], cwd, 30_000);
      expect(r.stderr, `${from} → ${format}`).toBe('');
      expect(r.status, `${from} → ${format}`).toBe(0);
      expect(r.stdout, `${from} → ${format}`).toBe('created 1 1\nverified true 1\n');
    }
  });

  for (const mode of ['node16', 'nodenext', 'bundler'] as const) {
    it(`type-checks a consumer of every package under moduleResolution ${mode}`, () => {
      // node16/nodenext: one ESM file (.mts, the import condition) and one CommonJS file (.cts,
      // the require condition). bundler: a plain .ts file.
      const files = mode === 'bundler' ? ['uses.ts'] : ['uses.mts', 'uses.cts'];
      for (const f of files) writeFileSync(join(project, f), typeUses());
      writeFileSync(join(project, `tsconfig.${mode}.json`), tsconfigFor(mode, files));
      const r = run(process.execPath, [TSC, '-p', `tsconfig.${mode}.json`], project, 120_000);
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }

  it('installs the spl binary, which runs', () => {
    const r = run(join(project, 'node_modules/.bin/spl'), ['--version'], project);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/\d+\.\d+\.\d+/);
  });
});
