import { isDid, type JsonObject, type StoredRecord } from '@syncropel/algebra';
import type { CelContext } from './cel-environments.js';
import type { CompileError, ExpressionCache } from './expression-cache.js';
import { DEFAULT_ADAPTER_TIMEOUT_SECS, MAX_ADAPTER_TIMEOUT_SECS, type AdapterConfig } from './work/adapter.js';
import { DEFAULT_AITL_TIMEOUT_SECS, DEFAULT_DISPATCH_CONCURRENCY, type AitlRule, type RoutingRule } from './work/work-config.js';
export type { RoutingRule } from './work/work-config.js';

/** The reserved thread every configuration LEARN lives on. */
export const ENGINE_CONFIG_THREAD = 'th_engine_config';

/** Config topics whose `expression` is CEL, and the context it compiles in. */
export const CEL_TOPICS: { readonly [topic: string]: CelContext } = {
  routing_rule: 'routing',
  permission_rule: 'permission',
  aitl_rule: 'aitl',
  // Approves federation pair requests without the operator (the federation layer evaluates it).
  federation_pair_rule: 'aitl',
};

/** Default and bounds of the TICK interval (topic `tick_interval`, body `{ "seconds": N }`). */
export const DEFAULT_TICK_INTERVAL_SECS = 60;
export const MIN_TICK_INTERVAL_SECS = 1;
export const MAX_TICK_INTERVAL_SECS = 86_400;

/** Default stall window (topic `stall_window`, body `{ "seconds": N }`): an open thread this quiet is stalled. */
export const DEFAULT_STALL_WINDOW_SECS = 3600;

/** Most dispatches that may run at once (topic `dispatch`, body `{ "concurrency": N }`). */
export const MAX_DISPATCH_CONCURRENCY = 64;

/** One live config value: the newest LEARN for its (topic, name). */
export interface ConfigEntry {
  readonly topic: string;
  readonly name: string;
  readonly body: JsonObject;
  readonly id: string;
  readonly seq: number;
  readonly actor: string;
}


/**
 * Live configuration: state = fold(LEARNs on th_engine_config). Newest per (topic, name) wins;
 * `enabled: false` retracts. A stored LEARN that is malformed (its CEL no longer compiles, say)
 * is skipped and counted, never fatal, and the previous value stays in force.
 */
export interface ConfigState {
  readonly entries: Map<string, ConfigEntry>;
  skipped: number;
  lastProblem: string | null;
}

/** Why a config LEARN is unacceptable: the body field at fault and a sentence, or undefined when fine. */
export function configProblem(body: JsonObject, cache: ExpressionCache): { field: string; message: string; compile?: CompileError } | undefined {
  const topic = body.topic;
  const name = body.name;
  if (typeof topic !== 'string' || topic.length === 0) return { field: 'body.topic', message: 'body.topic must name the config topic' };
  if (typeof name !== 'string' || name.length === 0) return { field: 'body.name', message: 'body.name must name the config entry' };
  if (body.enabled === false) return undefined; // a retraction needs nothing else
  const context = CEL_TOPICS[topic];
  if (context) {
    if (typeof body.expression !== 'string' || body.expression.trim() === '') {
      return { field: 'body.expression', message: `body.expression must be a CEL condition for a ${topic}` };
    }
    const compiled = cache.compile(context, body.expression);
    if (!compiled.ok) {
      const e = compiled.error;
      return { field: 'body.expression', message: `body.expression does not compile at line ${e.line}, column ${e.column}: ${e.message}`, compile: e };
    }
    if (body.priority !== undefined && !Number.isSafeInteger(body.priority)) return { field: 'body.priority', message: 'body.priority must be an integer' };
    if (topic === 'routing_rule' && (typeof body.target !== 'string' || !isDid(body.target))) {
      return { field: 'body.target', message: 'body.target must be the DID of the actor the rule routes to' };
    }
    if (topic === 'permission_rule' && body.action !== 'allow' && body.action !== 'deny') {
      return { field: 'body.action', message: 'body.action must be allow or deny' };
    }
  }
  if (topic === 'adapter') return adapterProblem(body);
  if (topic === 'aitl_rule' && body.timeout_secs !== undefined && !(Number.isSafeInteger(body.timeout_secs) && (body.timeout_secs as number) >= 1)) {
    return { field: 'body.timeout_secs', message: 'body.timeout_secs must be a positive integer' };
  }
  if (topic === 'dispatch') {
    const n = body.concurrency;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > MAX_DISPATCH_CONCURRENCY) {
      return { field: 'body.concurrency', message: `body.concurrency must be an integer from 1 to ${MAX_DISPATCH_CONCURRENCY}` };
    }
  }
  if ((topic === 'intelligence' || topic === 'permissions_enabled' || topic === 'drain' || topic === 'metrics_public') && typeof body.value !== 'boolean') return { field: 'body.value', message: 'body.value must be true or false' };
  if (topic === 'tick_interval' || topic === 'stall_window' || topic === 'federation_sync') {
    const s = body.seconds;
    const max = topic === 'stall_window' ? 365 * 86_400 : MAX_TICK_INTERVAL_SECS;
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < MIN_TICK_INTERVAL_SECS || s > max) {
      return { field: 'body.seconds', message: `body.seconds must be an integer from ${MIN_TICK_INTERVAL_SECS} to ${max}` };
    }
  }
  return undefined;
}

/** Folds one record into config state (in place; the fold owns its state). */
export function stepConfig(state: ConfigState, r: StoredRecord, cache: ExpressionCache): ConfigState {
  if (r.thread !== ENGINE_CONFIG_THREAD || r.act !== 'LEARN') return state;
  const problem = configProblem(r.body, cache);
  if (problem) {
    state.skipped++;
    state.lastProblem = `record ${r.id} (seq ${r.seq}) skipped: ${problem.message}`;
    return state;
  }
  const key = `${r.body.topic as string}\u0000${r.body.name as string}`;
  if (r.body.enabled === false) state.entries.delete(key);
  else state.entries.set(key, { topic: r.body.topic as string, name: r.body.name as string, body: r.body, id: r.id, seq: r.seq, actor: r.actor });
  return state;
}

/** A fresh, empty config state. */
export function emptyConfig(): ConfigState {
  return { entries: new Map(), skipped: 0, lastProblem: null };
}

/** The entries of one topic, newest value each. */
export function configTopic(state: ConfigState, topic: string): ConfigEntry[] {
  return [...state.entries.values()].filter((e) => e.topic === topic);
}

/**
 * The newest entry of a single-valued topic (tick_interval, stall_window, dispatch, intelligence,
 * permissions_enabled): whatever its name, the last one written wins.
 */
export function newestOf(state: ConfigState, topic: string): ConfigEntry | undefined {
  let best: ConfigEntry | undefined;
  for (const e of state.entries.values()) if (e.topic === topic && (!best || e.seq > best.seq)) best = e;
  return best;
}

/** Routing rules in evaluation order: highest priority first, then by name. */
export function routingRules(state: ConfigState): RoutingRule[] {
  return configTopic(state, 'routing_rule')
    .map((e) => ({ name: e.name, expression: e.body.expression as string, target: e.body.target as string, priority: (e.body.priority as number | undefined) ?? 0 }))
    .sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
}

/** A `seconds` setting of a topic, or its default. */
export function configSeconds(state: ConfigState, topic: 'tick_interval' | 'stall_window'): number {
  const entry = newestOf(state, topic);
  const fallback = topic === 'tick_interval' ? DEFAULT_TICK_INTERVAL_SECS : DEFAULT_STALL_WINDOW_SECS;
  return typeof entry?.body.seconds === 'number' ? entry.body.seconds : fallback;
}

function adapterProblem(body: JsonObject): { field: string; message: string } | undefined {
  if (typeof body.actor !== 'string' || !isDid(body.actor)) return { field: 'body.actor', message: 'body.actor must be the DID the adapter acts as' };
  if (body.kind === 'exec') {
    if (typeof body.command !== 'string' || body.command.trim() === '') return { field: 'body.command', message: 'body.command must be the shell command an exec adapter runs' };
  } else if (body.kind === 'http') {
    if (typeof body.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(body.url)) return { field: 'body.url', message: 'body.url must be an http(s) URL' };
  } else return { field: 'body.kind', message: 'body.kind must be exec or http' };
  if (body.domain !== undefined && (typeof body.domain !== 'string' || body.domain === '')) return { field: 'body.domain', message: 'body.domain must be a non-empty string' };
  const t = body.timeout_secs;
  if (t !== undefined && (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 1 || t > MAX_ADAPTER_TIMEOUT_SECS)) {
    return { field: 'body.timeout_secs', message: `body.timeout_secs must be an integer from 1 to ${MAX_ADAPTER_TIMEOUT_SECS}` };
  }
  return undefined;
}

/** Configured adapters, by name. */
export function adapters(state: ConfigState): AdapterConfig[] {
  return configTopic(state, 'adapter')
    .map((e) => ({
      name: e.name,
      actor: e.body.actor as string,
      kind: e.body.kind as 'exec' | 'http',
      ...(typeof e.body.command === 'string' ? { command: e.body.command } : {}),
      ...(typeof e.body.url === 'string' ? { url: e.body.url } : {}),
      ...(typeof e.body.domain === 'string' ? { domain: e.body.domain } : {}),
      timeout_secs: typeof e.body.timeout_secs === 'number' ? e.body.timeout_secs : DEFAULT_ADAPTER_TIMEOUT_SECS,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** AITL rules in evaluation order. */
export function aitlRules(state: ConfigState): AitlRule[] {
  return configTopic(state, 'aitl_rule')
    .map((e) => ({
      name: e.name,
      expression: e.body.expression as string,
      priority: (e.body.priority as number | undefined) ?? 0,
      timeout_secs: typeof e.body.timeout_secs === 'number' ? e.body.timeout_secs : DEFAULT_AITL_TIMEOUT_SECS,
    }))
    .sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
}

/** How many dispatches may run at once. */
export function dispatchConcurrency(state: ConfigState): number {
  const n = newestOf(state, 'dispatch')?.body.concurrency;
  return typeof n === 'number' ? n : DEFAULT_DISPATCH_CONCURRENCY;
}

/** Whether dispatching is drained (topic `drain`, `{ "value": true }`): work waits, in-flight work finishes. */
export function drainRequested(state: ConfigState): boolean {
  return newestOf(state, 'drain')?.body.value === true;
}

/** Whether unrouted work becomes a proposal for a human (topic `intelligence`, `{ "value": true }`). */
export function intelligenceEnabled(state: ConfigState): boolean {
  return newestOf(state, 'intelligence')?.body.value === true;
}
