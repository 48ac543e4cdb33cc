/** A routing rule as the reconciler uses it (config topic `routing_rule`). */
export interface RoutingRule {
  readonly name: string;
  readonly expression: string;
  readonly target: string;
  readonly priority: number;
}

/** An AITL rule (topic `aitl_rule`): records matching it wait for a human decision before dispatch. */
export interface AitlRule {
  readonly name: string;
  readonly expression: string;
  readonly priority: number;
  readonly timeout_secs: number;
}

/** Default time an AITL request waits before it expires. */
export const DEFAULT_AITL_TIMEOUT_SECS = 3600;

/** Default number of dispatches that may run at once. */
export const DEFAULT_DISPATCH_CONCURRENCY = 4;
