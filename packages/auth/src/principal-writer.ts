import { isReservedThread } from '@syncropel/algebra';
import type { Writer } from '@syncropel/kernel';
import { AuthError } from './auth-error.js';
import { principalActor, type Principal, type RequestSource } from './principal.js';
import type { Resource } from './permission-policy.js';
import { allows, type Scope } from './scopes.js';

/** The checks a principal's writer borrows from the auth service. */
export interface WriterChecks {
  guardConfigChange(caller: Principal | null, body: unknown): void;
  checkPermission(principal: Principal, resource: Resource, context: { record?: unknown; source: string; route: string; field?: string }): void;
}

/**
 * The kernel writer for a principal: it writes as `did:sync:sa:<id>` and its account's listed
 * DIDs; `configure` needs config:write and the lockout preflight; `decide` needs aitl:decide and
 * the `aitl_decide` permission; every record needs records:write on its thread (a grain counts),
 * unless it is a decider's answer, and the `record_write` permission. Refusals name the field.
 */
export function principalWriter(principal: Principal, from: RequestSource, checks: WriterChecks): Writer {
  const caller = principal.token_id === 'none' ? null : principal;
  const lacks = (scope: Scope, field: string, what: string, thread?: string) => {
    if (!allows(principal.scopes, scope, thread)) {
      throw new AuthError('SCOPE_FORBIDDEN', `${field} ${what}: token ${principal.token_id} of ${principal.sa_id} lacks the ${scope} scope${thread ? ` (or a grain on ${thread})` : ''}`, field);
    }
  };
  return {
    did: principalActor(principal),
    actors: principal.actors,
    holds: (authority, record, field) => {
      if (authority === 'configure') {
        lacks('config:write', field, 'is config');
        checks.guardConfigChange(caller, record.body);
      } else {
        lacks('aitl:decide', field, "answers a decision request or someone else's work");
        checks.checkPermission(principal, 'aitl_decide', { record, ...from, field });
      }
      return true;
    },
    admit: (record, field) => {
      const at = (name: string) => (field ? `${field}.${name}` : name);
      // Config on th_engine_config was authorised by `configure`; every other thread needs
      // records:write, which a thread grain gives on its own thread only. A decider needs no
      // more to write its answers: aitl:decide alone lets an approver approve.
      const answers = typeof record.body.fulfills === 'string' || typeof record.body.cancels === 'string';
      const decides = answers && allows(principal.scopes, 'aitl:decide');
      if (!isReservedThread(record.thread) && !decides) lacks('records:write', at('thread'), `${record.thread} is not writable`, record.thread);
      checks.checkPermission(principal, 'record_write', { record, ...from, ...(field ? { field } : {}) });
    },
  };
}
