import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { envelope } from './api-error.js';

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
    // The listener passes { incoming, outgoing } as env; the app reads the peer address from it.
    const listener = getRequestListener((request: Request, env: unknown) => app.fetch(request, env), {
      hostname: host,
      // A request Node parsed but no Request can be built from (a Host with userinfo, say).
      errorHandler: () => jsonError(400, 'BAD_REQUEST', 'the request cannot be served: its Host or target is malformed'),
    });
    const server: Server = createServer(listener);
    server.on('clientError', answerClientError);
    server.once('error', reject);
    server.listen(port, host);
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

/**
 * Requests Node's parser refuses before the app sees them (bad bytes in the path, a NUL in a
 * header, Content-Length with Transfer-Encoding, oversized headers) still get the JSON error
 * envelope every other error has; then the connection closes, as the parser's state is unknown.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE', 'the request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'BAD_REQUEST', 'the request took too long to arrive']
        : [400, 'Bad Request', 'BAD_REQUEST', `the request is malformed HTTP (${(error.code ?? 'parse error').slice(0, 40)})`];
  const body = JSON.stringify(envelope(code, message));
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function jsonError(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify(envelope(code, message)), { status, headers: { 'content-type': 'application/json' } });
}
