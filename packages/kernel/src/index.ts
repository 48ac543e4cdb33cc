/**
 * @syncropel/kernel — the embeddable coordination kernel: INGEST with group commit over any
 * LogStore, the startup rebuild, the broadcast bus, health counters and the daemon identity.
 * Runs with no HTTP and no CLI.
 */
export { CHECKPOINT_JOB_SECS, EMBEDDED_ENGINE_ACTOR, FOLD_SNAPSHOT_JOB_SECS, SWEEP_JOB_SECS, createKernel } from './kernel.js';
export { FOLD_SNAPSHOT_LAYOUT, moduleBuildId } from './fold-snapshot.js';
export { THREAD_EVICT_EVERY, THREAD_QUIET_RECORDS } from './limits.js';
export type { FoldCodec, FoldSnapshot, FoldSnapshotStore, SnapshotHead } from './fold-snapshot.js';
export { fileFoldSnapshots } from './fold-snapshot-file.js';
export type { ExpressionOutcome, FoldError, FoldSnapshotOutcome, FoldSnapshotStatus, IngestLoopStatus, IngestOptions, Kernel, KernelHealth, KernelHealthDetails, KernelOptions, KernelStatus, LiveView, RecordListener } from './kernel-api.js';
export type { Emission, ForeignOutcome, IngestResult } from './ingest-result.js';
export type { ForeignRules } from './ingest-plan.js';
export { EXPRESSION_CACHE_CAPACITY, ExpressionCache, ExpressionTooCostly, isCelContext } from './expression-cache.js';
export { CEL_EVALUATION_BUDGET, CEL_PARSE_LIMITS, EXPRESSION_TOO_COSTLY, MAX_CEL_BINDS, MAX_EXPRESSION_CHARS, MAX_PATTERN_CHARS, analyseCost, inputSize, patternProblem } from './expression-cost.js';
export type { ExpressionCost } from './expression-cost.js';
export type { CompileError, CompiledExpression, ExpressionCacheStats } from './expression-cache.js';
export { CEL_CONTEXTS, withCelScope } from './cel-environments.js';
export type { CelContext, CelScope } from './cel-environments.js';
export { celRecord } from './cel-record.js';
export {
  CEL_TOPICS,
  DEFAULT_STALL_WINDOW_SECS,
  DEFAULT_TICK_INTERVAL_SECS,
  ENGINE_CONFIG_THREAD,
  MAX_TICK_INTERVAL_SECS,
  MIN_TICK_INTERVAL_SECS,
  configProblem,
  emptyConfig,
  newestOf,
  routingRules,
  stepConfig,
} from './config-fold.js';
export type { ConfigEntry, ConfigState, RoutingRule } from './config-fold.js';
export { emptyTrust, stepTrust, trustOf, trustTable } from './trust-fold.js';
export type { Evidence, TrustRow, TrustState } from './trust-fold.js';
export { stepThread, stepThreads } from './thread-fold.js';
export type { ThreadState, ThreadStatus, ThreadsState } from './thread-fold.js';
export { pageThreads } from './thread-page.js';
export type { ThreadPage, ThreadPageQuery } from './thread-page.js';
export { stepAitl } from './aitl-fold.js';
export type { AitlState, PendingDecision } from './aitl-fold.js';
export { MAX_EARLY_ANSWERS } from './early-answers.js';
export { convergentState, digestFoldedState } from './state-digest.js';
export type { ConvergentState, FoldedStates } from './state-digest.js';
export { MAX_STALLED_REPORTED, TickLoop } from './tick-loop.js';
export type { TickReport } from './tick-loop.js';
export { KERNEL_ERROR_CODES, KernelError, isKernelError } from './kernel-error.js';
export type { KernelErrorCode } from './kernel-error.js';
export { MAX_BATCH_RECORDS, MAX_CLOCK_STEP, MAX_GROUP_RECORDS, MAX_RECORD_BYTES } from './limits.js';
export { AUTHORITIES, HOST_WRITER, mayWriteAs } from './writer.js';
export type { Authority, Writer } from './writer.js';
export { DAEMON_ONLY_THREADS, isDecisionRequest } from './ingest-authority.js';
export { SECRET_FILE_MODE, instanceKey, loadOrCreateIdentity, readIdentity, readSigner, readTokenKey } from './daemon-identity.js';
export type { DaemonIdentity } from './daemon-identity.js';
export { clockFold, clockKey } from './clock-fold.js';
export type { ClockState } from './clock-fold.js';
export {
  MAX_DISPATCH_CONCURRENCY,
  adapters,
  aitlRules,
  dispatchConcurrency,
  intelligenceEnabled,
} from './config-fold.js';
export { DEFAULT_ADAPTER_TIMEOUT_SECS, MAX_ADAPTER_OUTPUT_BYTES, MAX_ADAPTER_TIMEOUT_SECS } from './work/adapter.js';
export type { Adapter, AdapterConfig, AdapterOutcome } from './work/adapter.js';
export { execAdapter } from './work/exec-adapter.js';
export { httpAdapter } from './work/http-adapter.js';
export { DEFAULT_AITL_TIMEOUT_SECS, route } from './work/routing.js';
export type { AitlRule, RouteDecision, RoutingInputs } from './work/routing.js';
export { DEFAULT_DISPATCH_CONCURRENCY, Reconciler } from './work/reconciler.js';
export type { ReconcilerStatus } from './work/reconciler.js';
export { asksForWork, emptyWork, stepWork } from './work/work-fold.js';
export type { EarlyAnswer, WorkItem, WorkState, WorkStatus } from './work/work-fold.js';
export { Cron } from './cron.js';
export type { CronJobStatus } from './cron.js';
export { FEDERATION_PAIRS_THREAD, THREAD_OWNER_TOPIC, ownershipCodec, stepOwnership } from './work/work-ownership.js';
export type { OwnershipState } from './work/work-ownership.js';
