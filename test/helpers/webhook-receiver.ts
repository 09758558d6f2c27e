/**
 * A real webhook subscriber for tests: an HTTP server on a loopback address whose answer to each
 * request is scripted (a status, hang, drop the connection, redirect, a huge body). It records every
 * request and verifies it with the reference `standardwebhooks` library, the way a subscriber would,
 * so tests prove interoperability rather than agreement with ourselves.
 */
import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
  createServer,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type ReceiverBehaviour =
  /** Answer with this status (and body). */
  | { kind: 'status'; status: number; body?: string }
  /** Read the request and never answer. */
  | { kind: 'hang' }
  /** Send the status line, headers and `body`, then stop without finishing the response. */
  | { kind: 'stall'; status: number; body: string }
  /** Read the request, then drop the connection without answering. */
  | { kind: 'close' }
  /** Answer with a redirect. */
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** Answer 200 with a body of `bytes` bytes, streamed until sent or the client goes away. */
  | { kind: 'huge'; bytes: number };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Indexes (into the receiver's secrets) of every secret with which `Webhook#verify` accepted it. */
  verifiedWith: number[];
  /** The parsed body as returned by `Webhook#verify`, when some secret verified it. */
  payload: unknown;
  /** The library's complaint when no secret verified it. */
  verifyError: string | null;
  /** When the whole body had arrived (ms since the epoch). */
  receivedAt: number;
}

export interface WebhookReceiver {
  /** e.g. `http://127.0.0.1:41234` (or `http://[::1]:41234`). */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Behaviours for the next requests, in order; after them the default one applies. */
  script(...behaviours: ReceiverBehaviour[]): void;
  /** Connections the server accepted (to observe keep-alive reuse). */
  connections(): number;
  /** Stops listening and drops every connection: later deliveries get "connection refused". */
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** Secrets the subscriber verifies with (any one suffices). */
  secrets: string[];
  /** Loopback address to listen on; 127.0.0.1 by default. */
  host?: '127.0.0.1' | '::1';
  /** What to do when nothing is scripted; 204 by default. */
  behaviour?: ReceiverBehaviour;
  /** Serve HTTPS with this key and certificate instead of plain HTTP. */
  tls?: { key: string; cert: string };
  /** Port to listen on (a receiver coming back where it was); a free one by default. */
  port?: number;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function verify(
  secrets: string[],
  body: string,
  headers: IncomingHttpHeaders,
): Pick<ReceivedRequest, 'verifiedWith' | 'payload' | 'verifyError'> {
  const signed: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = headers[name];
    if (typeof value === 'string') signed[name] = value;
  }
  const verifiedWith: number[] = [];
  let payload: unknown = undefined;
  let verifyError: string | null = null;
  secrets.forEach((secret, i) => {
    try {
      payload = new Webhook(secret).verify(body, signed);
      verifiedWith.push(i);
    } catch (error) {
      verifyError = (error as Error).message;
    }
  });
  return { verifiedWith, payload, verifyError: verifiedWith.length > 0 ? null : verifyError };
}

function streamHuge(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let left = bytes;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!res.write(piece)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

export async function startWebhookReceiver(options: ReceiverOptions): Promise<WebhookReceiver> {
  const host = options.host ?? '127.0.0.1';
  const fallback: ReceiverBehaviour = options.behaviour ?? { kind: 'status', status: 204 };
  const queue: ReceiverBehaviour[] = [];
  const requests: ReceivedRequest[] = [];
  let accepted = 0;

  const handle: RequestListener = async (req, res) => {
    // A client that gave up (timeout, capped body) resets the socket; that is expected here.
    req.on('error', () => {});
    res.on('error', () => {});
    const behaviour = queue.shift() ?? fallback;
    const body = await readBody(req).catch(() => '');
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      ...verify(options.secrets, body, req.headers),
      receivedAt: Date.now(),
    });
    switch (behaviour.kind) {
      case 'status':
        res.writeHead(behaviour.status, { 'content-type': 'text/plain' });
        res.end(behaviour.body ?? '');
        return;
      case 'hang':
        return;
      case 'stall':
        res.writeHead(behaviour.status, { 'content-type': 'text/plain' });
        res.write(behaviour.body);
        return;
      case 'close':
        req.socket.destroy();
        return;
      case 'redirect':
        res.writeHead(behaviour.status ?? 302, { location: behaviour.location });
        res.end();
        return;
      case 'huge':
        streamHuge(res, behaviour.bytes);
        return;
    }
  };
  const server = options.tls ? createTlsServer(options.tls, handle) : createServer(handle);
  // Plain TCP connections, so a refused TLS handshake is counted too.
  server.on('connection', (socket) => {
    accepted++;
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    script: (...behaviours) => void queue.push(...behaviours),
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
