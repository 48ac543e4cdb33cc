import { DEFAULT_AITL_TIMEOUT_SECS } from './work-config.js';
import { isDid, type StoredRecord } from '@syncropel/algebra';
import type { AitlRule, RoutingRule } from './work-config.js';
import type { CompiledExpression, ExpressionCache } from '../expression-cache.js';
import type { CelScope } from '../cel-environments.js';
import { celRecord } from '../cel-record.js';
import type { AdapterConfig } from './adapter.js';

/** Where the cascade sent a record. */
export type RouteDecision =
  | { readonly kind: 'dispatch'; readonly target: string; readonly adapter: AdapterConfig; readonly via: string }
  | { readonly kind: 'decide'; readonly rule: string; readonly target?: string; readonly timeout_secs: number; readonly via: string }
  | { readonly kind: 'none'; readonly reason: string; readonly target?: string };

export type { AitlRule } from './work-config.js';

/** What routing reads from live state. */
export interface RoutingInputs {
  readonly rules: readonly RoutingRule[];
  readonly aitlRules: readonly AitlRule[];
  readonly adapters: readonly AdapterConfig[];
  readonly expressions: ExpressionCache;
  readonly scope: CelScope;
  readonly trustOf: (actor: string, domain: string) => number;
  readonly intelligenceEnabled: boolean;
  /** Counts a rule that failed to evaluate (missing key, wrong type): it is treated as no match. */
  readonly onRuleError: (rule: string, error: unknown) => void;
}

export { DEFAULT_AITL_TIMEOUT_SECS } from './work-config.js';

/**
 * The routing cascade (SPEC §4), in order: an approved decision's target → explicit `body.to`
 * → routing rules by priority (first match) → the highest-trust adapter registered for the
 * record's `domain` → an intelligence proposal for a human (only when enabled) → nothing.
 * A chosen target then passes the AITL rules, unless a human already approved it.
 */
export function route(record: StoredRecord, approvedTarget: string | undefined, inputs: RoutingInputs): RouteDecision {
  const cel = { record: celRecord(record) };
  const matches = (name: string, compiled: { ok: true; value: CompiledExpression } | { ok: false }) => {
    if (!compiled.ok) return false;
    try {
      return compiled.value.evaluate(cel, inputs.scope) === true;
    } catch (e) {
      inputs.onRuleError(name, e);
      return false;
    }
  };

  let target: string | undefined;
  let via = '';
  if (approvedTarget) [target, via] = [approvedTarget, 'decision'];
  else if (typeof record.body.to === 'string' && isDid(record.body.to)) [target, via] = [record.body.to, 'body.to'];
  if (!target) {
    for (const rule of inputs.rules) {
      if (matches(rule.name, inputs.expressions.compile('routing', rule.expression))) {
        [target, via] = [rule.target, `rule:${rule.name}`];
        break;
      }
    }
  }
  const domain = typeof record.body.domain === 'string' ? record.body.domain : undefined;
  if (!target && domain) {
    const candidates = inputs.adapters.filter((a) => a.domain === domain);
    let best: { actor: string; score: number } | undefined;
    for (const a of candidates) {
      const score = inputs.trustOf(a.actor, domain);
      if (!best || score > best.score || (score === best.score && a.actor < best.actor)) best = { actor: a.actor, score };
    }
    if (best) [target, via] = [best.actor, `trust:${domain}`];
  }
  if (!target) {
    if (inputs.intelligenceEnabled) return { kind: 'decide', rule: 'intelligence', timeout_secs: DEFAULT_AITL_TIMEOUT_SECS, via: 'intelligence' };
    return { kind: 'none', reason: 'no_route' };
  }
  if (!approvedTarget) {
    for (const rule of inputs.aitlRules) {
      if (matches(rule.name, inputs.expressions.compile('aitl', rule.expression))) {
        return { kind: 'decide', rule: rule.name, target, timeout_secs: rule.timeout_secs, via };
      }
    }
  }
  const adapter = inputs.adapters.find((a) => a.actor === target);
  if (!adapter) return { kind: 'none', reason: 'no_adapter', target };
  return { kind: 'dispatch', target, adapter, via };
}
