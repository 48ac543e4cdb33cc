import { timingSafeEqual } from 'node:crypto';
import type { JsonObject } from '@syncropel/algebra';
import type { LiveView } from '@syncropel/kernel';
import { AuthError } from './auth-error.js';
import { AUDIT_THREAD, FailureAudit } from './audit-log.js';
import { DEFAULT_TOKEN_ENV, TOKEN_ENV, formatBearer, generateSecret, generateTokenId, parseBearer, secretProblem } from './bearer.js';
import { ADMIN_READ_THREADS, ENGINE_CONFIG_THREAD, SERVICE_ACCOUNTS_THREAD, authRegistryCodec, authRegistryFold, hashKey, type AuthRegistry, type ServiceAccount, type TokenMeta } from './registry.js';
import { tokenHasher } from './token-hash.js';
import { allows } from './scopes.js';
import { accountInput, actorList, scopeList } from './account-input.js';
import { principalActor } from './principal.js';
import { principalWriter } from './principal-writer.js';
import { evaluatePermission, permissionRules, permissionsEnabled, type PermissionRule, type PermissionVerdict, type Resource } from './permission-policy.js';
import {
  BOOTSTRAP_ENV_SA,
  PREFLIGHT_DAEMON_RESOURCES,
  RECENT_CHECKS,
  type Auth,
  type AuthOptions,
  type DryRunFlip,
  type MintedToken,
  type PreflightGap,
  type PublicToken,
  type RecentCheck,
} from './auth-api.js';

/** Creates the auth layer over a kernel (before `kernel.start()`). */
export function createAuth(options: AuthOptions): Auth {
  const { kernel, actor } = options;
  const hasher = tokenHasher(options.tokenKey);
  const now = options.now ?? Date.now;
  const registry: LiveView<AuthRegistry> = kernel.attach(authRegistryFold, authRegistryCodec);
  const state = () => registry.get();
  const audit = new FailureAudit((body) => kernel.emit(actor, { thread: AUDIT_THREAD, act: 'KNOW', body }), now, options.auditWindowMs);
  const stamp = () => new Date(now()).toISOString();
  const recent: RecentCheck[] = [];
  const scope = () => ({ trust: (a: string, d: string) => kernel.trustOf(a, d), currentActor: () => '', now: () => new Date(now()) });
  const verdict = (rules: readonly PermissionRule[], actorDid: string, resource: Resource, record?: unknown): PermissionVerdict =>
    evaluatePermission(rules, { actor: actorDid, resource, ...(record === undefined ? {} : { record }) }, kernel.expressions, scope());
  const fixFor = (actorDid: string, resource: Resource) =>
    `spl config add-permission-rule --name allow-${actorDid.split(':')[2]}-${resource.replace('_', '-')} --action allow --priority 1000 --expression 'current_actor() == "${actorDid}" && resource == "${resource}"'`;

  // Registry changes check state, then await their writes; run them one at a time so a check
  // always sees every earlier change (two bootstraps, or a mint racing a revoke, cannot both win).
  let tail: Promise<unknown> = Promise.resolve();
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  }

  const writeRegistry = (body: JsonObject) => kernel.emit(actor, { thread: SERVICE_ACCOUNTS_THREAD, act: 'LEARN', body: { ...body, at: stamp() } });
  const writeAudit = (body: JsonObject) => kernel.emit(actor, { thread: AUDIT_THREAD, act: 'KNOW', body: { ...body, at: stamp() } });

  function account(saId: string): ServiceAccount {
    const sa = state().accounts.get(saId);
    if (!sa || sa.revoked) throw new AuthError('NOT_FOUND', `no active service account ${saId}`, 'sa_id');
    return sa;
  }

  function token(tokenId: string): TokenMeta {
    const t = state().tokens.get(tokenId);
    if (!t) throw new AuthError('NOT_FOUND', `no token ${tokenId}`, 'token_id');
    return t;
  }

  async function putAccount(saId: string, scopes: readonly string[], description: string, actors: readonly string[] = []): Promise<ServiceAccount> {
    await writeRegistry({ topic: 'service_account', name: saId, sa_id: saId, scopes: [...scopes], actors: [...actors], description, namespace: 'default', enabled: true });
    return account(saId);
  }

  /**
   * True when tokens are active but none verifies under this instance's key: every one was keyed
   * by another identity (identity.json was replaced, e.g. after a wipe and restore), so nobody
   * can authenticate and Path A may mint its token again.
   */
  function keyReplaced(): boolean {
    const reg = state();
    let active = 0;
    for (const t of reg.tokens.values()) {
      if (t.revoked || reg.accounts.get(t.sa_id)?.revoked !== false) continue;
      if (t.hash === 'legacy' || t.key_id === hasher.keyId) return false;
      active++;
    }
    return active > 0;
  }

  async function mint(saId: string, env: string, label: string): Promise<MintedToken> {
    const sa = account(saId);
    return mintWithSecret(sa, env, label, generateSecret());
  }

  async function mintWithSecret(sa: ServiceAccount, env: string, label: string, secret: string): Promise<MintedToken> {
    const tokenId = generateTokenId();
    const scopes = [...sa.scopes];
    await writeRegistry({ topic: 'token', name: tokenId, token_id: tokenId, sa_id: sa.sa_id, env, scopes, label, secret_hmac: hasher.keyed(secret), key_id: hasher.keyId, enabled: true });
    await writeAudit({ topic: 'token_minted', token_id: tokenId, sa_id: sa.sa_id, scopes });
    return { token_id: tokenId, sa_id: sa.sa_id, env, scopes, label, bearer: formatBearer(env, sa.sa_id, secret) };
  }

  async function revoke(t: TokenMeta, reason: string) {
    if (!t.revoked) {
      await writeRegistry({ topic: 'token', name: t.token_id, token_id: t.token_id, sa_id: t.sa_id, enabled: false, reason });
      await writeAudit({ topic: 'token_revoked', token_id: t.token_id, sa_id: t.sa_id, reason });
    }
    return publicToken(token(t.token_id));
  }

  return {
    authenticate(header) {
      if (header === undefined || header === '') throw new AuthError('AUTH_REQUIRED', 'this route needs a bearer token (Authorization: Bearer spl_…)');
      const m = /^Bearer ([^\s]+)$/i.exec(header);
      const parsed = m ? parseBearer(m[1] as string) : undefined;
      if (!parsed) throw new AuthError('AUTH_REQUIRED', 'the Authorization header is not a Syncropel bearer token (Bearer spl_<env>_<sa>_<secret>)');
      const reg = state();
      // Keyed first (every token minted now); a bare SHA-256 only finds tokens from older versions.
      let hash = hasher.keyed(parsed.secret);
      let id = reg.byHash.get(hashKey('keyed', hash));
      if (id === undefined) {
        hash = hasher.legacy(parsed.secret);
        id = reg.byHash.get(hashKey('legacy', hash));
      }
      const t = id === undefined ? undefined : reg.tokens.get(id);
      const sa = t && reg.accounts.get(t.sa_id);
      const valid =
        t !== undefined &&
        sa !== undefined &&
        timingSafeEqual(Buffer.from(t.secret_hash, 'hex'), Buffer.from(hash, 'hex')) &&
        (t.hash === 'legacy' || t.key_id === hasher.keyId) &&
        t.sa_id === parsed.sa &&
        t.env === parsed.env &&
        !t.revoked &&
        !sa.revoked;
      if (!valid) throw new AuthError('AUTH_REQUIRED', 'unknown or revoked token');
      return { sa_id: t.sa_id, token_id: t.token_id, scopes: t.scopes, actors: sa.actors };
    },
    authorize(principal, scope, thread) {
      if (!allows(principal.scopes, scope, thread)) {
        throw new AuthError('SCOPE_FORBIDDEN', `token ${principal.token_id} of ${principal.sa_id} lacks the ${scope} scope`);
      }
    },
    writer(principal, from) {
      return principalWriter(principal, from, {
        guardConfigChange: (caller, body) => this.guardConfigChange(caller, body),
        checkPermission: (p, resource, context) => this.checkPermission(p, resource, context),
      });
    },
    mayRead(principal, thread) {
      return !ADMIN_READ_THREADS.includes(thread) || allows(principal.scopes, 'admin');
    },
    unreadableThreads(principal) {
      return allows(principal.scopes, 'admin') ? [] : ADMIN_READ_THREADS;
    },
    noteFailure(source, reason, route) {
      audit.note(source, reason, route);
    },
    bootstrapFromEnv(secret) {
      return exclusive(async () => {
        if (secret === undefined || secret === '') return { kind: 'unset' };
        const problem = secretProblem(secret);
        if (problem) return { kind: 'invalid', reason: `SPL_BOOTSTRAP_TOKEN ${problem}; ignoring it` };
        if (state().everCreated > 0) {
          if (!keyReplaced()) return { kind: 'skipped', reason: 'service accounts already exist; SPL_BOOTSTRAP_TOKEN is ignored' };
          // Only someone who could replace identity.json gets here, and they own the instance already.
          const existing = state().accounts.get(BOOTSTRAP_ENV_SA);
          const sa = await putAccount(BOOTSTRAP_ENV_SA, ['admin'], 'minted from SPL_BOOTSTRAP_TOKEN', existing?.actors ?? []);
          const minted = await mintWithSecret(sa, DEFAULT_TOKEN_ENV, 'bootstrap (SPL_BOOTSTRAP_TOKEN, new token key)', secret);
          await writeAudit({ topic: 'bootstrap', path: 'env-new-key', sa_id: sa.sa_id, token_id: minted.token_id });
          const reason = 'no token in the log verifies under this identity (identity.json was replaced); minted the SPL_BOOTSTRAP_TOKEN bearer again';
          return { kind: 'reminted', sa_id: sa.sa_id, token_id: minted.token_id, reason };
        }
        const sa = await putAccount(BOOTSTRAP_ENV_SA, ['admin'], 'minted from SPL_BOOTSTRAP_TOKEN');
        const minted = await mintWithSecret(sa, DEFAULT_TOKEN_ENV, 'bootstrap (SPL_BOOTSTRAP_TOKEN)', secret);
        await writeAudit({ topic: 'bootstrap', path: 'env', sa_id: sa.sa_id, token_id: minted.token_id });
        return { kind: 'minted', sa_id: sa.sa_id, token_id: minted.token_id };
      });
    },
    bootstrapServiceAccount(input) {
      return exclusive(async () => {
        if (state().everCreated > 0) throw new AuthError('BOOTSTRAP_CLOSED', 'bootstrap is closed: a service account already exists; use an admin token');
        const { saId, scopes, description, actors } = accountInput(input, actor);
        const sa = await putAccount(saId, scopes, description, actors);
        const minted = await mint(sa.sa_id, DEFAULT_TOKEN_ENV, 'bootstrap (HTTP)');
        await writeAudit({ topic: 'bootstrap', path: 'http', sa_id: sa.sa_id, token_id: minted.token_id });
        return minted;
      });
    },
    bootstrapOpen() {
      return state().everCreated === 0;
    },
    createServiceAccount(input) {
      return exclusive(async () => {
        const { saId, scopes, description, actors } = accountInput(input, actor);
        const existing = state().accounts.get(saId);
        if (existing && !existing.revoked) throw new AuthError('ALREADY_EXISTS', `service account ${saId} already exists`, 'sa_id');
        return putAccount(saId, scopes, description, actors);
      });
    },
    updateServiceAccount(saId, input) {
      return exclusive(async () => {
        const sa = account(saId);
        const body = (typeof input === 'object' && input !== null ? input : {}) as { scopes?: unknown; description?: unknown; actors?: unknown };
        const scopes = body.scopes === undefined ? sa.scopes : scopeList(body.scopes);
        const description = typeof body.description === 'string' ? body.description : sa.description;
        const actors = body.actors === undefined ? sa.actors : actorList(body.actors, saId, actor);
        return putAccount(saId, scopes, description, actors);
      });
    },
    revokeServiceAccount(saId) {
      return exclusive(async () => {
        const sa = account(saId);
        // Revoke its tokens explicitly, so re-creating the same id later never revives them.
        for (const t of [...state().tokens.values()]) if (t.sa_id === saId && !t.revoked) await revoke(t, 'service account revoked');
        await writeRegistry({ topic: 'service_account', name: saId, sa_id: saId, enabled: false });
        await writeAudit({ topic: 'service_account_revoked', sa_id: saId });
        return { ...sa, revoked: true };
      });
    },
    listServiceAccounts() {
      return [...state().accounts.values()];
    },
    mintToken(saId, input) {
      return exclusive(async () => {
        const body = (typeof input === 'object' && input !== null ? input : {}) as { env?: unknown; label?: unknown };
        const env = body.env === undefined ? DEFAULT_TOKEN_ENV : body.env;
        if (typeof env !== 'string' || !TOKEN_ENV.test(env)) throw new AuthError('VALIDATION_FAILED', 'env must be lowercase letters and digits (e.g. prod)', 'env');
        if (body.label !== undefined && (typeof body.label !== 'string' || body.label.length > 200)) {
          throw new AuthError('VALIDATION_FAILED', 'label must be a string of at most 200 characters', 'label');
        }
        return mint(saId, env, (body.label as string | undefined) ?? '');
      });
    },
    listTokens(saId) {
      return [...state().tokens.values()].filter((t) => saId === undefined || t.sa_id === saId).map(publicToken);
    },
    revokeToken(tokenId, reason = 'revoked by an admin') {
      return exclusive(async () => {
        return revoke(token(tokenId), reason);
      });
    },
    rotateToken(tokenId) {
      return exclusive(async () => {
        const old = token(tokenId);
        if (old.revoked) throw new AuthError('NOT_FOUND', `token ${tokenId} is already revoked`, 'token_id');
        const fresh = await mint(old.sa_id, old.env, old.label);
        await revoke(old, `rotated to ${fresh.token_id}`);
        return fresh;
      });
    },
    setCorsOrigins(input) {
      return exclusive(async () => {
        const origins = (typeof input === 'object' && input !== null ? (input as { origins?: unknown }).origins : undefined) as unknown;
        if (!Array.isArray(origins)) throw new AuthError('VALIDATION_FAILED', 'origins must be an array of origins like https://app.example.com', 'origins');
        for (const [i, o] of origins.entries()) {
          if (typeof o !== 'string' || !isOrigin(o)) {
            throw new AuthError('VALIDATION_FAILED', `origins[${i}] must be an origin: http(s)://host[:port] with no path`, `origins[${i}]`);
          }
        }
        const unique = [...new Set(origins as string[])];
        await kernel.emit(actor, { thread: ENGINE_CONFIG_THREAD, act: 'LEARN', body: { topic: 'auth_cors_origins', name: 'default', origins: unique, at: stamp() } });
        return state().corsOrigins;
      });
    },
    corsOrigins() {
      return state().corsOrigins;
    },
    checkPermission(principal, resource, context) {
      const config = kernel.config();
      if (!permissionsEnabled(config)) return;
      const who = principalActor(principal);
      const v = verdict(permissionRules(config), who, resource, context.record);
      recent.push({ actor: who, resource, ...(context.record === undefined ? {} : { record: identityOf(context.record) }), allowed: v.allowed });
      if (recent.length > RECENT_CHECKS) recent.shift();
      if (v.allowed) return;
      audit.note(context.source, 'permission', context.route);
      const what = context.field ? `${context.field}: ` : '';
      throw new AuthError('PERMISSION_DENIED', `${what}${who} may not ${resource}: ${v.rule ? `rule ${v.rule} denies it` : 'no rule allows it'}`, context.field);
    },
    permissionsEnabled() {
      return permissionsEnabled(kernel.config());
    },
    permissionRules() {
      return permissionRules(kernel.config());
    },
    preflight(caller, rules = permissionRules(kernel.config())) {
      const gaps: PreflightGap[] = [];
      for (const resource of PREFLIGHT_DAEMON_RESOURCES) {
        if (!verdict(rules, actor, resource).allowed) gaps.push({ actor, resource, fix: fixFor(actor, resource) });
      }
      if (caller) {
        const who = principalActor(caller);
        if (!verdict(rules, who, 'config_write').allowed) gaps.push({ actor: who, resource: 'config_write', fix: fixFor(who, 'config_write') });
      }
      return gaps;
    },
    enablePermissions(caller) {
      return exclusive(async () => {
        const gaps = this.preflight(caller);
        if (gaps.length > 0) {
          throw new AuthError(
            'PREFLIGHT_FAILED',
            `enabling permissions would lock out ${gaps.map((g) => `${g.actor} (${g.resource})`).join(', ')}; add the allow rules first`,
            undefined,
            { gaps },
          );
        }
        await kernel.emit(actor, { thread: ENGINE_CONFIG_THREAD, act: 'LEARN', body: { topic: 'permissions_enabled', name: 'default', value: true, at: stamp() } });
      });
    },
    guardConfigChange(caller, body) {
      const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      // A drain stops dispatch on every daemon of the log: as /v1/drain, it takes the admin scope.
      if (b.topic === 'drain' && caller !== null && !allows(caller.scopes, 'admin')) {
        throw new AuthError('SCOPE_FORBIDDEN', 'body.topic drain stops dispatch on every daemon of this log and needs the admin scope (as POST /v1/drain)', 'body.topic');
      }
      if (b.topic !== 'permissions_enabled' || b.value !== true) return;
      const gaps = this.preflight(caller);
      if (gaps.length > 0) {
        throw new AuthError('PREFLIGHT_FAILED', `enabling permissions would lock out ${gaps.map((g) => `${g.actor} (${g.resource})`).join(', ')}; add the allow rules first`, undefined, { gaps });
      }
    },
    disablePermissions() {
      return exclusive(async () => {
        await kernel.emit(actor, { thread: ENGINE_CONFIG_THREAD, act: 'LEARN', body: { topic: 'permissions_enabled', name: 'default', value: false, at: stamp() } });
      });
    },
    async dryRun(proposed) {
      // Rules, enforcement and recent checks are read before the store read, so all samples are
      // judged against one moment's config even if it changes while the log is being read.
      const current = permissionRules(kernel.config());
      const enforcing = permissionsEnabled(kernel.config());
      const next = proposed ?? current;
      // Recent API checks, plus the actors of recent writes in the log (as record_write).
      const samples: { actor: string; resource: Resource; record?: unknown }[] = [...recent];
      for (const r of await kernel.records({ after: Math.max(0, kernel.health().head_seq - 500), limit: 500 })) {
        if (r.actor !== actor) samples.push({ actor: r.actor, resource: 'record_write', record: identityOf(r) });
      }
      const flips = new Map<string, DryRunFlip>();
      for (const s of samples) {
        const before = verdict(current, s.actor, s.resource, s.record).allowed || !enforcing;
        const after = verdict(next, s.actor, s.resource, s.record).allowed;
        if (before === after) continue;
        const key = `${s.actor}\u0000${s.resource}\u0000${after}`;
        const f = flips.get(key);
        flips.set(key, { actor: s.actor, resource: s.resource, from: before ? 'allow' : 'deny', to: after ? 'allow' : 'deny', occurrences: (f?.occurrences ?? 0) + 1 });
      }
      return { checked: samples.length, flips: [...flips.values()].sort((a, b) => b.occurrences - a.occurrences) };
    },
    async stop() {
      await audit.stop();
    },
  };
}

/** The identity fields of a record (what rules may look at), without anything else the client sent. */
function identityOf(record: unknown): unknown {
  if (typeof record !== 'object' || record === null) return record;
  const { parents, thread, actor, act, body, clock, data_type } = record as Record<string, unknown>;
  return { parents, thread, actor, act, body, clock, data_type };
}

function publicToken(t: TokenMeta): PublicToken {
  const { secret_hash: _hash, ...rest } = t;
  return rest;
}

function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === value;
  } catch {
    return false;
  }
}
