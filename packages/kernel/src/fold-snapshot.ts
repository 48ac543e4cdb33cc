import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LogStore } from '@syncropel/log';

/**
 * How a fold's state is written into a fold snapshot and read back. `decode(encode(s))` must
 * fold on exactly as `s` would. `version` names the encoding; change it when the state's shape
 * changes (the step function's own text is part of the snapshot's format already).
 */
export interface FoldCodec<S> {
  readonly version: string;
  encode(state: S): unknown;
  decode(encoded: unknown): S;
}

/** The position a fold snapshot was taken at: the newest record folded into it. */
export interface SnapshotHead {
  readonly seq: number;
  readonly id: string;
}

/**
 * Every live state of a kernel as of one log position, so a start folds only the records after
 * it. `format` is a hash of the fold code and encodings that wrote it; a snapshot of any other
 * format is ignored. `samples` are records (seq, id) spread over the folded prefix: a log that no
 * longer holds them all at those positions is another history, and the snapshot is ignored.
 */
export interface FoldSnapshot {
  readonly format: string;
  readonly head: SnapshotHead;
  readonly records: number;
  readonly samples: readonly (readonly [seq: number, id: string])[];
  readonly states: { readonly [view: string]: unknown };
  readonly created_at: string;
}

/** Where fold snapshots are kept (the daemon: a file beside the log). */
export interface FoldSnapshotStore {
  /** The snapshot last written, or undefined (none, or unreadable: a start then folds the whole log). */
  read(): Promise<FoldSnapshot | undefined>;
  /**
   * Replaces the snapshot, atomically. Must take (e.g. serialise) `snapshot` before its first
   * await: its states may share objects with live state, which goes on changing.
   */
  write(snapshot: FoldSnapshot): Promise<void>;
  /** Where it lives, for health output. */
  readonly description: string;
}

/** Bumped when the snapshot layout itself changes. */
export const FOLD_SNAPSHOT_LAYOUT = 1;

/**
 * The format id of snapshots written by these folds: a hash over the layout version and, per
 * view, its name, codec version and the source text of its step and codec. Changing any fold's
 * code (a new release) makes older snapshots unusable, so they are rebuilt rather than trusted.
 */
export function foldFormat(views: readonly { name: string; code: readonly unknown[]; version: string }[]): string {
  const hash = createHash('sha256').update(`layout ${FOLD_SNAPSHOT_LAYOUT}\nbuild ${buildId()}\n`);
  for (const v of views) {
    hash.update(`${v.name} ${v.version}\n`);
    for (const part of v.code) hash.update(typeof part === 'function' ? part.toString() : String(part)).update('\n');
  }
  return hash.digest('hex');
}

/**
 * Why a fold snapshot cannot stand for the prefix of `store` it claims, or null when it can: it
 * must be of `format`, hold a state for every view, and the log must still hold its head and
 * samples at their seqs (a restored or replaced log does not).
 */
export async function snapshotProblem(snapshot: FoldSnapshot, format: string, views: readonly string[], store: Pick<LogStore, 'get'>): Promise<string | null> {
  if (snapshot.format !== format) return 'it was written by other fold code (another version)';
  for (const [seq, id] of [...snapshot.samples, [snapshot.head.seq, snapshot.head.id] as const]) {
    if ((await store.get(id))?.seq !== seq) return `the log does not hold record ${id} at seq ${seq} (restored or replaced)`;
  }
  const missing = views.find((name) => !(name in snapshot.states));
  return missing ? `it has no state for ${missing}` : null;
}

/** Up to `count` records (seq, id) spread evenly over the log before `headSeq`, for {@link snapshotProblem}. */
export async function prefixSamples(store: Pick<LogStore, 'query'>, headSeq: number, count: number): Promise<[number, string][]> {
  const samples: [number, string][] = [];
  for (let k = 1; k <= count && headSeq > 1; k++) {
    const [r] = await store.query({ after: Math.floor(((headSeq - 1) * k) / (count + 1)), limit: 1 });
    if (r && r.seq < headSeq && !samples.some(([seq]) => seq === r.seq)) samples.push([r.seq, r.id]);
  }
  return samples;
}

const builds = new Map<string, string>();

/**
 * The file a module runs from, as a URL: its `import.meta.url`, or, where that is undefined (an
 * ESM source bundled to CommonJS: esbuild leaves `import.meta` empty there), the bundle's own file.
 */
function moduleFile(metaUrl: string | undefined): string | undefined {
  if (metaUrl) return metaUrl;
  return typeof __filename === 'string' ? pathToFileURL(__filename).href : undefined;
}

/**
 * A hash of the module file at `url` (e.g. `import.meta.url`): in a release that is a whole
 * bundled package, so any change to its code retires fold snapshots that depend on it. 'unknown'
 * when the file cannot be read.
 */
export function moduleBuildId(url: string | undefined): string {
  const file = moduleFile(url);
  if (file === undefined) return 'unknown';
  let id = builds.get(file);
  if (id === undefined) {
    try {
      id = createHash('sha256').update(readFileSync(fileURLToPath(file))).digest('hex');
    } catch {
      id = 'unknown';
    }
    builds.set(file, id);
  }
  return id;
}

/**
 * The builds the built-in folds run on: this kernel's and the pure packages its folds call
 * (`isDid`, `isReservedThread`, the trust score). A change to any of them (the CEL limits a config
 * fold relies on, say) retires older snapshots, not only a change to a step function's own text.
 */
function buildId(): string {
  const here = moduleFile(import.meta.url);
  const parts = [moduleBuildId(here)];
  for (const pkg of ['@syncropel/algebra', '@syncropel/trust']) {
    try {
      // createRequire, not import.meta.resolve: a CommonJS build has no import.meta.resolve.
      parts.push(moduleBuildId(pathToFileURL(createRequire(here ?? process.cwd()).resolve(pkg)).href));
    } catch {
      // Bundled in with this code (nothing to resolve): the bundle's id above covers it.
      parts.push(pkg);
    }
  }
  return parts.join(' ');
}
