import type { LogRecord } from '@syncropel/algebra';

/**
 * Authorities a record may need beyond being written at all:
 * - `configure`: a record on `th_engine_config` (rules, toggles, adapters);
 * - `decide`: a record that answers (`fulfills`/`cancels`) an AITL request, or work that neither
 *   the writer nor any DID it may write as asked for or was addressed by.
 */
export type Authority = 'configure' | 'decide';

/** Every {@link Authority}, for tables and tests. */
export const AUTHORITIES: readonly Authority[] = ['configure', 'decide'];

/**
 * Who is writing, as ingest checks it. The layer that knows principals (auth) builds one per
 * request; the kernel checks every record against it, whichever route the record came by.
 *
 * Invariants the kernel enforces for every writer (the kernel's own emissions excepted):
 * - `actor` is `did` or one of `actors`, and never the instance's own DID (in any case);
 * - `judged_by`, when set, obeys the same rule;
 * - the daemon-only threads (`th_service_accounts`, `th_audit`, `th_federation_pairs`) are refused;
 * - records on `th_engine_config` need `configure`; answers to AITL requests, and to work the
 *   writer does not own, need `decide`;
 * - `admit`, when given, sees every record last and may refuse it.
 */
export interface Writer {
  /** The writer's own DID (a service account's is `did:sync:sa:<id>`); it may always write as it. */
  readonly did: string;
  /** The other DIDs it may write as, or `any` (the embedding host; a daemon with auth turned off). */
  readonly actors: readonly string[] | 'any';
  /**
   * Whether the writer holds `authority` for this record. May throw its own refusal instead of
   * returning false, to say why (a missing scope, a permission rule). `field` names the part of
   * the record that needs it, for error messages.
   */
  holds(authority: Authority, record: LogRecord, field: string): boolean;
  /** The writer's last word on each record (scope grains, permission rules); throws to refuse. */
  admit?(record: LogRecord, field: string): void;
}

/**
 * The writer `kernel.ingest` assumes when the caller names none: the program embedding the
 * kernel. It may write as any DID but the instance's own, configure and decide; the daemon-only
 * threads stay closed to it as to everyone.
 */
export const HOST_WRITER: Writer = Object.freeze({
  did: 'did:sync:host:embedded',
  actors: 'any' as const,
  holds: () => true,
});

/** Whether `writer` may put `did` in a record's `actor` or `judged_by` (the instance DID aside). */
export function mayWriteAs(writer: Writer, did: string): boolean {
  return writer.actors === 'any' || did === writer.did || writer.actors.includes(did);
}
