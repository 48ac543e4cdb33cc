import type { ConfigEntry, ExpressionCache, CelScope } from '@syncropel/kernel';
import { celRecord } from '@syncropel/kernel';

/** What a permission rule guards (the `resource` binding). */
export const RESOURCES = ['record_write', 'record_read', 'thread_read', 'config_read', 'config_write', 'dispatch', 'aitl_decide', 'admin'] as const;

/** One of {@link RESOURCES}. */
export type Resource = (typeof RESOURCES)[number];

/** A permission rule (config topic `permission_rule`). */
export interface PermissionRule {
  readonly name: string;
  readonly action: 'allow' | 'deny';
  readonly priority: number;
  readonly expression: string;
}

/** A request to check: who, what, and the record on writes. */
export interface PermissionRequest {
  readonly actor: string;
  readonly resource: Resource;
  readonly record?: unknown;
}

/** The verdict and the rule that decided it (none: fail-closed default deny). */
export interface PermissionVerdict {
  readonly allowed: boolean;
  readonly rule: string | null;
}

/** Permission rules from live config, in evaluation order: highest priority first, then by name. */
export function permissionRules(config: readonly ConfigEntry[]): PermissionRule[] {
  return config
    .filter((e) => e.topic === 'permission_rule')
    .map((e) => ({ name: e.name, action: e.body.action as 'allow' | 'deny', priority: (e.body.priority as number | undefined) ?? 0, expression: e.body.expression as string }))
    .sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
}

/** Whether enforcement is on (config topic `permissions_enabled`, `{ "value": true }`; off by default). */
export function permissionsEnabled(config: readonly ConfigEntry[]): boolean {
  // Single-valued: the newest permissions_enabled record wins, whatever its name.
  let newest: ConfigEntry | undefined;
  for (const e of config) if (e.topic === 'permissions_enabled' && (!newest || e.seq > newest.seq)) newest = e;
  return newest?.body.value === true;
}

/**
 * Evaluates rules in order; the first whose condition holds decides. No match denies
 * (fail-closed). A rule that errors while evaluating (a missing key, say) does not match.
 */
export function evaluatePermission(rules: readonly PermissionRule[], request: PermissionRequest, cache: ExpressionCache, scope: CelScope): PermissionVerdict {
  const variables = { resource: request.resource, record: request.record === undefined ? {} : celRecord(request.record as never) };
  const asActor: CelScope = { ...scope, currentActor: () => request.actor };
  for (const rule of rules) {
    const compiled = cache.compile('permission', rule.expression);
    if (!compiled.ok) continue;
    let hit = false;
    try {
      hit = compiled.value.evaluate(variables, asActor) === true;
    } catch {
      hit = false;
    }
    if (hit) return { allowed: rule.action === 'allow', rule: rule.name };
  }
  return { allowed: false, rule: null };
}
