import type { Fold, StoredRecord } from '@syncropel/algebra';
import { stepAitl, type AitlState } from './aitl-fold.js';
import { configProblem, emptyConfig, stepConfig, type ConfigState } from './config-fold.js';
import type { ExpressionCache } from './expression-cache.js';
import { aitlCodec, configCodec, threadsCodec, trustCodec, workCodec } from './fold-codecs.js';
import type { FoldCodec } from './fold-snapshot.js';
import type { ViewCodec } from './fold-snapshot-keeper.js';
import { evictQuietThreads, stepThread, stepThreads, type ThreadsState } from './thread-fold.js';
import { emptyTrust, stepTrust, type TrustState } from './trust-fold.js';
import { asksForWork, emptyWork, stepWork, type WorkState } from './work/work-fold.js';
import { ownershipCodec, stepOwnership, type OwnershipState } from './work/work-ownership.js';

/** A fold the kernel keeps current, named for error reports. */
export interface View {
  readonly name: string;
  readonly fold: Fold<unknown, StoredRecord>;
  state: unknown;
  /** How its state goes into a fold snapshot; a view without one turns snapshots off. */
  codec?: ViewCodec;
}

/**
 * The kernel's built-in live state. Each field is replaced when its view starts over or comes
 * back from a fold snapshot, so read it through this object every time, never keep a field.
 */
export interface LiveState {
  config: ConfigState;
  trust: TrustState;
  threads: ThreadsState;
  aitl: AitlState;
  work: WorkState;
  /** Threads another instance owns (federation), by thread id. */
  ownership: OwnershipState;
}

/** What the built-in folds depend on besides the records. */
export interface BuiltInViewsOptions {
  readonly expressions: ExpressionCache;
  /** This instance's DID: work addressed to it is dispatched here. */
  readonly engineActor: string;
  /** Thread eviction: how often (in records) and after how quiet a stretch (see thread-fold). */
  readonly evictEvery: number;
  readonly quietFor: number;
}

/**
 * The built-in live state and the views that fold it: config, trust, threads, AITL, ownership,
 * work. Each piece is its own view, so one that throws on a record cannot stop the others.
 */
export function createBuiltInViews(options: BuiltInViewsOptions): { live: LiveState; views: View[] } {
  const { expressions, engineActor, evictEvery, quietFor } = options;
  const live: LiveState = { config: emptyConfig(), trust: emptyTrust(), threads: new Map(), aitl: new Map(), work: emptyWork(), ownership: new Map() };
  const builtIn = (initial: () => void, step: (r: StoredRecord) => void): Fold<unknown, StoredRecord> => ({
    initial: () => (initial(), null),
    step: (_, r) => (step(r), null),
  });
  // How each piece goes into a fold snapshot and comes back (`code`: what its format hashes).
  const codecOf = <K extends keyof LiveState>(key: K, codec: FoldCodec<LiveState[K]>, code: readonly unknown[]): ViewCodec => ({
    version: codec.version,
    code: [...code, codec.encode, codec.decode],
    encode: () => codec.encode(live[key]),
    decode: (j) => {
      live[key] = codec.decode(j);
    },
  });
  const views: View[] = [
    {
      name: 'config',
      fold: builtIn(() => (live.config = emptyConfig()), (r) => stepConfig(live.config, r, expressions)),
      state: null,
      codec: codecOf('config', configCodec, [stepConfig, configProblem]),
    },
    { name: 'trust', fold: builtIn(() => (live.trust = emptyTrust()), (r) => stepTrust(live.trust, r)), state: null, codec: codecOf('trust', trustCodec, [stepTrust]) },
    {
      name: 'threads',
      // A record on a thread that left memory finds its state brought back first (see the kernel's foldFrom).
      fold: builtIn(() => (live.threads = new Map()), (r) => stepThreads(live.threads, r)),
      state: null,
      codec: codecOf('threads', threadsCodec, [stepThreads, stepThread, evictQuietThreads, evictEvery, quietFor]),
    },
    { name: 'aitl', fold: builtIn(() => (live.aitl = new Map()), (r) => stepAitl(live.aitl, r)), state: null, codec: codecOf('aitl', aitlCodec, [stepAitl]) },
    {
      name: 'ownership',
      fold: builtIn(() => (live.ownership = new Map()), (r) => stepOwnership(live.ownership, r, engineActor)),
      state: null,
      codec: codecOf('ownership', ownershipCodec, [stepOwnership, engineActor]),
    },
    {
      name: 'work',
      // Work on a thread another instance owns is that instance's to dispatch (federation).
      fold: builtIn(() => (live.work = emptyWork()), (r) => (live.ownership.has(r.thread) && asksForWork(r, engineActor) ? undefined : stepWork(live.work, r, engineActor))),
      state: null,
      codec: codecOf('work', workCodec, [stepWork, asksForWork, engineActor, stepOwnership]),
    },
  ];
  return { live, views };
}
