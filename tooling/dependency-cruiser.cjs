/**
 * Layer rules for the Syncropel monorepo, checked by dependency-cruiser.
 *
 * Run from the repo root: `npx depcruise --config tooling/dependency-cruiser.cjs packages apps`
 * (`npm run lint`). `tooling/layers.test.ts` plants violations in a scratch tree to prove each rule fires.
 *
 * Rules are written against *resolved* paths relative to the cwd, so an import of `@syncropel/kernel`
 * (resolved through the `source` export condition to `packages/kernel/src/index.ts`) and a relative
 * escape like `../../kernel/src/index.ts` land on the same path and are judged the same way.
 * Imports that fail to resolve keep their bare name as the path, so the rules also list
 * `@syncropel/<name>` forms: an undeclared upward import (pnpm leaves it unresolvable) still fails.
 */

/**
 * The layers, lowest first. A layer may import itself and anything before it in this list, never
 * anything after it. `auth` may not exist yet; its patterns simply match nothing until it does.
 */
const LAYERS = [
  { name: 'algebra', dir: 'packages/algebra', pure: true },
  { name: 'trust', dir: 'packages/trust', pure: true },
  { name: 'log', dir: 'packages/log', pure: false },
  // The store adapters sit beside each other on the port; see STORE_ADAPTERS for who may use them.
  { name: 'log-sqlite', dir: 'packages/log-sqlite', pure: false },
  { name: 'log-postgres', dir: 'packages/log-postgres', pure: false },
  { name: 'kernel', dir: 'packages/kernel', pure: false },
  { name: 'auth', dir: 'packages/auth', pure: false },
  { name: 'federation', dir: 'packages/federation', pure: false },
  { name: 'http', dir: 'packages/http', pure: false },
  { name: 'cli', dir: 'apps/cli', pure: false },
];

/**
 * The stores behind the port, each with a driver (a native module, a network client). Only the
 * application chooses one: the embeddable layers' shipped code depends on the port alone, so
 * `@syncropel/kernel` never pulls in a native module. Their tests may use a real store.
 */
const STORE_ADAPTERS = ['log-sqlite', 'log-postgres'];
const EMBEDDABLE = ['log', 'log-sqlite', 'log-postgres', 'kernel', 'auth', 'federation', 'http'];

/** npm packages the pure layers may use: no I/O, no Node builtins, safe in a browser or WASM host. */
const PURE_NPM_ALLOWLIST = ['@noble/hashes', '@noble/curves'];

/** Extra npm packages that *test* files of the pure layers may use (dev dependencies). */
const PURE_TEST_NPM_ALLOWLIST = ['vitest', 'fast-check'];

/**
 * Test code inside a package folder: co-located `*.test.ts` files, plus support files under `test/`.
 * Pure-layer tests get the test-tool allowlist above, but stay free of Node builtins and I/O.
 */
const testFiles = (dir) => [`^${escape(dir)}/.*\\.test\\.ts$`, `^${escape(dir)}/test/`];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Matches an npm package by resolved location (`…/node_modules/<name>/…`) or, unresolved, by name. */
const npmPackages = (names) => {
  const alt = names.map(escape).join('|');
  return `((^|/)node_modules/(${alt})/|^(${alt})(/|$))`;
};

/** Matches a layer's folder, or its `@syncropel/<name>` specifier if the import did not resolve. */
const layerTargets = (layers) => {
  const dirs = layers.map((l) => escape(l.dir)).join('|');
  const names = layers.map((l) => escape(l.name)).join('|');
  return `(^(${dirs})/|^@syncropel/(${names})(/|$))`;
};

/** (a) No layer imports a layer above it. One rule per layer so the message names the offender. */
const upwardRules = LAYERS.slice(0, -1).map((layer, i) => {
  const above = LAYERS.slice(i + 1);
  return {
    name: `no-upward-import-from-${layer.name}`,
    comment:
      `${layer.dir} may only import itself and lower layers; it imported ` +
      `${above.map((l) => l.name).join('/')} (by package name or by a relative path).`,
    severity: 'error',
    from: { path: `^${escape(layer.dir)}/` },
    to: { path: layerTargets(above) },
  };
});

/**
 * (b) Pure layers may only import their own files, lower pure layers, and the pure npm allowlist.
 * Everything else — `node:*` and bare core modules, I/O libraries, any other npm package — fails.
 * Scoped to `src/` and `test/`: tsup/vitest config files are build tooling, not shipped code.
 */
const pureRules = LAYERS.filter((l) => l.pure).flatMap((layer) => {
  const i = LAYERS.indexOf(layer);
  const pureSoFar = LAYERS.slice(0, i + 1).filter((l) => l.pure);
  const ownAndLower = `^(${pureSoFar.map((l) => escape(l.dir)).join('|')})/`;
  const lowerNames = `^@syncropel/(${pureSoFar.map((l) => escape(l.name)).join('|')})(/|$)`;
  const code = `^${escape(layer.dir)}/(src|test)/`;
  return [
    {
      name: `pure-layer-${layer.name}`,
      comment:
        `${layer.dir} is pure: it may import only its own files, lower pure layers and ` +
        `${PURE_NPM_ALLOWLIST.join(', ')} — no node: builtins, no I/O libraries.`,
      severity: 'error',
      from: { path: code, pathNot: testFiles(layer.dir) },
      to: { pathNot: [ownAndLower, lowerNames, npmPackages(PURE_NPM_ALLOWLIST)] },
    },
    {
      name: `pure-layer-${layer.name}-tests`,
      comment:
        `Tests of ${layer.dir} stay pure too; beyond the pure allowlist they may use ` +
        `${PURE_TEST_NPM_ALLOWLIST.join(', ')} — still no node: builtins, no I/O libraries.`,
      severity: 'error',
      from: { path: testFiles(layer.dir) },
      to: {
        pathNot: [
          ownAndLower,
          lowerNames,
          npmPackages([...PURE_NPM_ALLOWLIST, ...PURE_TEST_NPM_ALLOWLIST]),
        ],
      },
    },
  ];
});

/**
 * (f) The web console (apps/console) runs in a browser and reaches the daemon over HTTP only: its
 * code imports its own files and nothing else — no workspace package (not even for types), no
 * `node:` builtin, no npm package; its tests may use vitest. And nothing imports it: the daemon
 * serves its built files (found through its package.json), it never runs its code.
 */
const CONSOLE_DIR = 'apps/console';
const consoleRules = [
  {
    name: 'console-is-standalone',
    comment: `${CONSOLE_DIR} is browser code that talks HTTP: it may import only its own files — no workspace package, no node: builtin, no npm package.`,
    severity: 'error',
    from: { path: `^${escape(CONSOLE_DIR)}/(src|test)/`, pathNot: testFiles(CONSOLE_DIR) },
    to: { pathNot: `^${escape(CONSOLE_DIR)}/(src|test)/` },
  },
  {
    name: 'console-is-standalone-tests',
    comment: `Tests of ${CONSOLE_DIR} import its own files and ${PURE_TEST_NPM_ALLOWLIST.join(', ')} only.`,
    severity: 'error',
    from: { path: testFiles(CONSOLE_DIR) },
    to: { pathNot: [`^${escape(CONSOLE_DIR)}/(src|test)/`, npmPackages(PURE_TEST_NPM_ALLOWLIST)] },
  },
  {
    name: 'no-import-of-console',
    comment: `Nothing imports ${CONSOLE_DIR}: the daemon serves its built files and never runs its code.`,
    severity: 'error',
    from: { pathNot: `^${escape(CONSOLE_DIR)}/` },
    to: { path: `(^${escape(CONSOLE_DIR)}/|^@syncropel/console(/|$))` },
  },
];

module.exports = {
  forbidden: [
    ...upwardRules,
    ...pureRules,
    ...consoleRules,
    {
      // (e) Only the application (and tests) picks a store adapter; adapters never use each other.
      name: 'store-adapter-only-in-app',
      comment: `${STORE_ADAPTERS.join(' and ')} are chosen by the application (apps/cli); shipped code of ${EMBEDDABLE.join(', ')} depends on the @syncropel/log port only.`,
      severity: 'error',
      from: { path: `^(packages/(?:${EMBEDDABLE.map(escape).join('|')}))/src/`, pathNot: '(\\.test\\.ts$|/test/)' },
      to: {
        path: `(^packages/(${STORE_ADAPTERS.map(escape).join('|')})/|^@syncropel/(${STORE_ADAPTERS.map(escape).join('|')})(/|$))`,
        pathNot: '^$1/',
      },
    },
    {
      // (c) `src/internal/` is private to its package (its exports map has "./internal/*": null).
      // $1 is the importing package's folder, so a package may still use its own internals.
      name: 'no-foreign-internal-import',
      comment: "A package may not import another package's src/internal/ folder; use its public index.",
      severity: 'error',
      from: { path: '^((?:packages|apps)/[^/]+)/' },
      to: {
        path: '(^(packages|apps)/[^/]+/src/internal/|^@syncropel/[^/]+/internal(/|$))',
        pathNot: '^$1/',
      },
    },
    {
      // (d) Cycles, type-only ones included: tsPreCompilationDeps makes type imports visible.
      name: 'no-circular',
      comment: 'Circular dependency; break it by moving the shared piece down or into its own file.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      // bench/ may import anything, but nothing may depend on benchmarks.
      name: 'no-import-of-bench',
      comment: 'Nothing may import bench/ (bench may import everything else).',
      severity: 'error',
      from: { pathNot: '^bench/' },
      to: { path: '(^bench/|^@syncropel/bench(/|$))' },
    },
  ],
  options: {
    // Do not descend into npm packages, but keep the edges *to* them: the pure-layer rule needs
    // to see that `better-sqlite3` was imported. That is why node_modules is in doNotFollow and
    // not in exclude — an excluded path drops the dependency itself, hiding resolved I/O imports.
    doNotFollow: { path: '(^|/)node_modules/' },
    // Only *our* build output is excluded. An unanchored `dist/` would also match npm entry points
    // such as `node_modules/.pnpm/hono@…/node_modules/hono/dist/index.js` and hide those imports.
    exclude: { path: ['^(packages|apps)/[^/]+/(dist|\\.turbo)/', '^(bench/)?(dist|\\.turbo)/'] },
    // Type-only imports count: a type import of a higher layer still couples the layers.
    tsPreCompilationDeps: true,
    // No tsConfig: the repo has no `paths`/`baseUrl` aliases (STYLE.md), so plain node resolution
    // through package `exports` is the whole story, and the config works in any checkout.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      // `source` first so workspace packages resolve to src/index.ts, not to an unbuilt dist/.
      conditionNames: ['source', 'import', 'require', 'node', 'default'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
