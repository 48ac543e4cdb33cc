import { FederationError, type FederationErrorCode } from './federation-error.js';

/** How long an outbound federation call may take. */
export const PEER_TIMEOUT_MS = 30_000;

/** Refusals a peer answers with that mean the same here (anything else is PEER_UNREACHABLE). */
const PASSED_THROUGH: readonly FederationErrorCode[] = ['PAIR_REVOKED', 'PAIR_REJECTED', 'ALREADY_PAIRED', 'NONCE_REPLAYED', 'TOO_MANY_PENDING'];

/** Calls to another instance: bounded in time, no redirects, refusals as FederationErrors. */
export class PeerClient {
  constructor(private readonly fetcher: typeof fetch) {}

  /** One request; a network failure or timeout is PEER_UNREACHABLE naming the URL. */
  async call(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
    try {
      return await this.fetcher(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? PEER_TIMEOUT_MS), redirect: 'error' });
    } catch (e) {
      throw new FederationError('PEER_UNREACHABLE', `${url}: ${(e as Error).message}`, 'url');
    }
  }

  /** A 2xx JSON answer's body; a refusal becomes a FederationError saying what was being done. */
  async json(res: Response, what: string): Promise<{ [k: string]: unknown }> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new FederationError('PEER_UNREACHABLE', `${what}: the peer answered ${res.status} without JSON`, 'url');
    }
    if (!res.ok) {
      const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
      const code = PASSED_THROUGH.find((c) => c === err?.code) ?? 'PEER_UNREACHABLE';
      throw new FederationError(code, `${what}: the peer answered ${res.status} ${err?.code ?? ''}: ${String(err?.message ?? '').slice(0, 300)}`, 'url');
    }
    return body as { [k: string]: unknown };
  }
}
