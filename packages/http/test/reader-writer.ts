import { createAuth, type Auth } from '@syncropel/auth';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';

/** A started kernel and auth on a memory store, bootstrapped, with a reader's and a writer's bearer. */
export interface ReaderWriter {
  readonly kernel: Kernel;
  readonly auth: Auth;
  /** Bearer of sa-reader (`records:read`). */
  readonly reader: string;
  /** Bearer of sa-writer (`records:write`). */
  readonly writer: string;
  /** Stops auth, then the kernel. */
  stop(): Promise<void>;
}

/** Starts a {@link ReaderWriter} whose engine DID is `actor`. */
export async function startReaderWriter(actor: string): Promise<ReaderWriter> {
  const kernel = createKernel({ store: createMemoryLogStore(), actor });
  const auth = createAuth({ kernel, actor, tokenKey: new Uint8Array(32).fill(5), auditWindowMs: 0 });
  await kernel.start();
  await auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
  await auth.createServiceAccount({ sa_id: 'sa-reader', scopes: ['records:read'] });
  const reader = (await auth.mintToken('sa-reader')).bearer;
  await auth.createServiceAccount({ sa_id: 'sa-writer', scopes: ['records:write'] });
  const writer = (await auth.mintToken('sa-writer')).bearer;
  return {
    kernel,
    auth,
    reader,
    writer,
    async stop() {
      await auth.stop();
      await kernel.stop();
    },
  };
}
