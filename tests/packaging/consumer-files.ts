/**
 * What an outside developer writes: the README's embedding examples (as written, and rewritten
 * to CommonJS), and a file per module system that uses every package's types.
 */

/** Splits a module into its `import { … } from '…'` lines (as [names, specifier]) and the rest. */
function splitImports(esm: string): { imports: [string, string][]; body: string } {
  const imports: [string, string][] = [];
  const body: string[] = [];
  for (const line of esm.split('\n')) {
    const m = /^import \{ (.+) \} from '([^']+)';$/.exec(line);
    if (m) imports.push([m[1] as string, m[2] as string]);
    else if (line.startsWith('import ')) throw new Error(`cannot rewrite: ${line}`);
    else body.push(line);
  }
  return { imports, body: body.join('\n') };
}

function inAsyncMain(body: string): string {
  return `(async () => {\n${body}\n})().catch((e) => {\n  console.error(e);\n  process.exitCode = 1;\n});\n`;
}

/** The same program as CommonJS: each import becomes a `require`, and the rest (which awaits at top level) runs in an async function. */
export function toCommonJs(esm: string): string {
  const { imports, body } = splitImports(esm);
  return `'use strict';\n${imports.map(([names, from]) => `const { ${names} } = require('${from}');`).join('\n')}\n${inAsyncMain(body)}`;
}

/** The same ESM program without top-level await (which a CommonJS bundle cannot hold). */
export function withoutTopLevelAwait(esm: string): string {
  const { imports, body } = splitImports(esm);
  return `${imports.map(([names, from]) => `import { ${names} } from '${from}';`).join('\n')}\n${inAsyncMain(body)}`;
}

// Uses a value or type of every package, so a missing or unresolvable declaration fails tsc.
// Nothing here runs; it is only type-checked.
const TYPE_USES = `
import { threadIdFor, toRecord, type LogRecord, type StoredRecord } from '@syncropel/algebra';
import { wilsonLowerBound } from '@syncropel/trust';
import { createMemoryLogStore, type LogStore } from '@syncropel/log';
import { openSqliteLogStore, type SqliteLogStore } from '@syncropel/log-sqlite';
import { openPostgresLogStore } from '@syncropel/log-postgres';
import { createKernel, isKernelError, type Kernel } from '@syncropel/kernel';
import { createAuth, type Auth } from '@syncropel/auth';
import { createFederation, type Federation } from '@syncropel/federation';
import { createApp, createMetrics } from '@syncropel/http';
import { VERSION } from '@syncropel/cli';
import { Hono } from 'hono';

export async function uses(): Promise<void> {
  const store: LogStore = createMemoryLogStore();
  const file: SqliteLogStore = openSqliteLogStore({ path: ':memory:' });
  const shared: Promise<LogStore> = openPostgresLogStore({ url: 'postgres://localhost/x' });
  const kernel: Kernel = createKernel({ store });
  const auth: Auth = createAuth({ kernel, actor: 'did:sync:instance:00', tokenKey: new Uint8Array(32) });
  const federation: Federation | undefined = undefined as unknown as Federation | undefined;
  const metrics = createMetrics();
  const app = createApp({ kernel, auth, metrics, ...(federation ? { federation } : {}) });
  const host = new Hono();
  host.route('/', app);
  const stored: StoredRecord[] = await kernel.records({ thread: threadIdFor('t'), limit: 1 });
  const plain: LogRecord[] = stored.map(toRecord);
  const n: number = wilsonLowerBound(1, 2) + plain.length + VERSION.length;
  void [file, shared, n, isKernelError, createFederation];
}
`;

/** The type-use file for one module system: `.mts` / `.ts` (ESM) or `.cts` (CommonJS). */
export function typeUses(): string {
  return TYPE_USES;
}

/** tsconfig for one resolution mode; `files` are the type-use files it checks. */
export function tsconfigFor(mode: 'node16' | 'nodenext' | 'bundler', files: readonly string[]): string {
  const module = mode === 'bundler' ? 'esnext' : mode;
  return JSON.stringify(
    {
      compilerOptions: { module, moduleResolution: mode, target: 'es2022', lib: ['es2022'], types: ['node'], strict: true, noEmit: true, skipLibCheck: false },
      files,
    },
    null,
    2,
  );
}
