import { Environment } from '@marcbachmann/cel-js';
import { CEL_PARSE_LIMITS } from './expression-cost.js';

/** The places CEL is used; each has its own bindings. */
export const CEL_CONTEXTS = ['routing', 'permission', 'aitl'] as const;

/** One of {@link CEL_CONTEXTS}. */
export type CelContext = (typeof CEL_CONTEXTS)[number];

/**
 * Live lookups CEL functions read during one synchronous evaluation. cel-js passes functions
 * only their arguments, so the evaluator sets these around each call (evaluation never awaits).
 */
export interface CelScope {
  trust(actor: string, domain: string): number;
  currentActor(): string;
  now(): Date;
}

const IDLE_SCOPE: CelScope = { trust: () => 0, currentActor: () => '', now: () => new Date() };
let scope: CelScope = IDLE_SCOPE;

/** Runs `work` with `s` as the scope CEL functions see. */
export function withCelScope<T>(s: CelScope, work: () => T): T {
  const previous = scope;
  scope = s;
  try {
    return work();
  } finally {
    scope = previous;
  }
}

/**
 * The CEL environments, built once per process (building one is expensive). Bindings:
 * - routing: `record` (map); `trust(actor, domain)`, `now()`;
 * - permission: `resource` (string), `record` (map, on writes); `current_actor()`, `trust()`, `now()`;
 * - aitl: `record` (map); `trust()`, `now()`.
 */
export function celEnvironment(context: CelContext): Environment {
  return (environments[context] ??= build(context));
}

const environments: Partial<Record<CelContext, Environment>> = {};

function build(context: CelContext): Environment {
  let env = new Environment({ homogeneousAggregateLiterals: false, limits: { ...CEL_PARSE_LIMITS } })
    .registerVariable('record', 'map')
    .registerFunction('trust(string, string): double', (actor: string, domain: string) => scope.trust(actor, domain))
    .registerFunction('now(): google.protobuf.Timestamp', () => scope.now());
  if (context === 'permission') {
    env = env.registerVariable('resource', 'string').registerFunction('current_actor(): string', () => scope.currentActor());
  }
  return env;
}
