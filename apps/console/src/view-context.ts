import type { ApiClient } from './api-client.js';
import type { HealthFeed } from './health-feed.js';

/** What a view is given: the API, the shared health feed, where to draw, and its lifetime. */
export interface ViewContext {
  readonly api: ApiClient;
  readonly health: HealthFeed;
  /** The element the view owns (emptied before the view starts). */
  readonly main: HTMLElement;
  /** Registers clean-up (timers, subscriptions) run when the view is left. */
  onLeave(cleanup: () => void): void;
  /** False once the view was left: late answers must not draw. */
  active(): boolean;
}
