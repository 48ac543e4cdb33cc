/**
 * @syncropel/kernel — the embeddable coordination kernel: INGEST with group commit over any
 * LogStore, the startup rebuild, the broadcast bus, health counters and the daemon identity.
 * Runs with no HTTP and no CLI.
 */
export { createKernel } from './kernel.js';
export type { Emission, IngestResult, Kernel, KernelHealth, KernelOptions, KernelStatus, LiveView, RecordListener } from './kernel.js';
export { KERNEL_ERROR_CODES, KernelError, isKernelError } from './kernel-error.js';
export type { KernelErrorCode } from './kernel-error.js';
export { MAX_BATCH_RECORDS, MAX_GROUP_RECORDS, MAX_RECORD_BYTES } from './limits.js';
export { SECRET_FILE_MODE, instanceKey, loadOrCreateIdentity, readIdentity } from './daemon-identity.js';
export type { DaemonIdentity } from './daemon-identity.js';
export { clockFold, clockKey } from './clock-fold.js';
export type { ClockState } from './clock-fold.js';
