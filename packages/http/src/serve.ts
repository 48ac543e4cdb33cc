import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';

/** Anything with a fetch handler, such as a Hono app (method syntax keeps the env parameter bivariant). */
export interface FetchApp {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}

/** A listening HTTP server. */
export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** `host:port` as bound (the real port when 0 was asked). */
  readonly address: string;
  /** Stops accepting, lets in-flight requests finish, closes idle keep-alive sockets. */
  close(): Promise<void>;
}

/** Binds the app on `host:port` (port 0 picks a free one); rejects with the OS error (e.g. EADDRINUSE). */
export function listen(app: FetchApp, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = // The node server passes { incoming, outgoing } as env; the app reads the peer address from it.
    serve({ fetch: (request: Request, env: unknown) => app.fetch(request, env), hostname: host, port }) as Server;
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      let closing: Promise<void> | undefined;
      resolve({
        host,
        port: bound,
        address: `${host.includes(':') ? `[${host}]` : host}:${bound}`,
        close() {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          });
          return closing;
        },
      });
    });
  });
}
