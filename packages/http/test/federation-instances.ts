import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateInstanceKeyPair, signText, type KeyPair } from '@syncropel/algebra';
import { createAuth, type Auth } from '@syncropel/auth';
import { createFederation, memoryCredentials, signMessage, type Federation } from '@syncropel/federation';
import { createApp, listen, type RunningServer } from '@syncropel/http';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore, type LogStore } from '@syncropel/log';

/*
 * Real instances on loopback for the federation tests: kernel (with its work loop and signer),
 * auth, federation and the HTTP API each, an admin token, and helpers to call them. A test file
 * calls `stopInstances()` in its afterAll.
 */

/** One running instance. */
export interface Instance {
  key: KeyPair;
  kernel: Kernel;
  auth: Auth;
  federation: Federation;
  server: RunningServer;
  base: string;
  admin: string;
  store: LogStore;
  stop(): Promise<void>;
}

/** A temporary folder for the instances' SQLite files (removed by stopInstances). */
export const dir = mkdtempSync(join(tmpdir(), 'spl-federation-'));
const running: Instance[] = [];
/** Added to every instance's clock: lets a test step past a pause without waiting for it. */
let skew = 0;

/** Moves every instance's clock forward by `ms`. */
export function advanceClock(ms: number): void {
  skew += ms;
}

/** An initiator's signed poll for a pair request. */
export const pollBody = (key: KeyPair, pairId: string, nonce: string) => signMessage({ object: 'pair_poll', pair_id: pairId, nonce, at: new Date(Date.now() + skew).toISOString() }, (t) => signText(t, key.secretKey));

/** A signed pair request from `key` to the instance `to`, with the n-th nonce. */
export const pairRequest = (key: KeyPair, to: Instance, n: number) =>
  signMessage({ object: 'pair_request', protocol: '1', initiator_did: key.did, initiator_url: 'http://127.0.0.1:1', responder_did: to.key.did, nonce: n.toString(16).padStart(64, '0'), issued_at: new Date(Date.now() + skew).toISOString() }, (t) => signText(t, key.secretKey));

/** Starts an instance over `store` (memory by default) with `key` (a new one by default). */
export async function instance(store: LogStore = createMemoryLogStore(), key = generateInstanceKeyPair()): Promise<Instance> {
  const sign = (text: string) => signText(text, key.secretKey);
  const kernel = createKernel({ store, actor: key.did, workLoop: true, signer: sign });
  const auth = createAuth({ kernel, actor: key.did, tokenKey: new Uint8Array(32).fill(7), auditWindowMs: 0 });
  let base = '';
  const federation = createFederation({ kernel, auth, identity: { did: key.did, public_key: key.publicKey }, sign, version: 'test', publicUrl: () => base, credentials: memoryCredentials(), syncIntervalMs: 0, now: () => Date.now() + skew });
  await kernel.start();
  const server = await listen(createApp({ kernel, auth, federation, actor: key.did }), '127.0.0.1', 0);
  base = `http://${server.address}`;
  const admin = auth.bootstrapOpen() ? (await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })).bearer : (await auth.mintToken('sa-admin')).bearer;
  const inst: Instance = {
    key,
    kernel,
    auth,
    federation,
    server,
    base,
    admin,
    store,
    async stop() {
      await server.close();
      await federation.stop();
      await auth.stop();
      await kernel.stop();
      await store.close();
      running.splice(running.indexOf(inst), 1);
    },
  };
  running.push(inst);
  return inst;
}

/** Calls an instance's API (as its admin unless `token` says otherwise; null: no token). */
export async function call(i: Instance, method: string, path: string, body?: unknown, token: string | null = i.admin) {
  const res = await fetch(`${i.base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Waits until `check` holds (or fails naming `what`). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops every instance still running and removes the folder. */
export async function stopInstances(): Promise<void> {
  for (const i of [...running]) await i.stop();
  rmSync(dir, { recursive: true, force: true });
}
