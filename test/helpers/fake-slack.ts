/**
 * A fake Slack on 127.0.0.1, and a fake Slack client of our app.
 *
 * The fake Web API (`apiUrl`) records every call (form-encoded or JSON; JSON-valued fields such as
 * `blocks`, `metadata`, `files` arrive as strings and are parsed into `args`) and answers like Slack:
 * `chat.postMessage` with a fresh `ts`, `chat.update`, `views.open`, the three upload steps (the
 * upload URL is on the fake too), `conversations.history`/`replies` over what was posted, and
 * `apps.connections.open` with a `ws://127.0.0.1` URL for Socket Mode, served on the same port by
 * a `ws` WebSocketServer (it answers pings and closes as RFC 6455 says; Slack's client connects with
 * undici's WebSocket). Failures are scriptable per
 * method: a 429 with Retry-After, a 5xx, `ok: false`, or "do it but lose the answer".
 *
 * `response_url`s point at the fake too (`responseUrl(id)`), and their posts are recorded.
 *
 * `send*` sign requests to our app exactly as Slack does: `x-slack-signature: v0=` + hex
 * HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`), `x-slack-request-timestamp`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type Behaviour =
  /** An HTTP error status (429 with a Retry-After in seconds). */
  | { status: number; retryAfter?: number }
  /** HTTP 200 with `ok: false`. */
  | { error: string }
  /** Do the call (a post is stored), then drop the connection without answering. */
  | { loseAnswer: true };

export interface ApiCall {
  method: string;
  /** Arguments with JSON-valued fields parsed. */
  args: Record<string, unknown>;
  /** The bearer token the call carried. */
  token: string | null;
  /** What the fake answered: a status, or 'lost'. */
  answered: number | 'lost';
  /** The body of a 200 answer (e.g. the `file_id` of `files.getUploadURLExternal`). */
  result?: Record<string, unknown>;
  at: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown;
  thread_ts?: string;
  /** A thread reply also shown in the channel. */
  reply_broadcast?: boolean;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

export interface Upload {
  fileId: string;
  bytes: Buffer;
  contentType: string | undefined;
  at: number;
}

export interface ResponsePost {
  id: string;
  body: Record<string, unknown>;
  answered: number;
}

export interface FakeSlack {
  url: string;
  /** For SLACK_API_URL. */
  apiUrl: string;
  calls: ApiCall[];
  /** Successful calls of a method (answered 200 and ok), in order. */
  ok(method: string): ApiCall[];
  messages: PostedMessage[];
  uploads: Upload[];
  responses: ResponsePost[];
  /** Behaviours for the next calls of `method`, in order; then the normal answer. */
  script(method: string, ...behaviours: Behaviour[]): void;
  /**
   * Every later call naming `channel` is answered `ok: false` with `error`, as Slack does for a
   * channel the bot cannot post to (until `null` lifts it).
   */
  refuseChannel(channel: string, error: string | null): void;
  /** Behaviours for the next posts to response URLs. */
  scriptResponses(...statuses: { status: number; retryAfter?: number }[]): void;
  responseUrl(id?: string): string;
  /** Polls until `probe` returns something truthy (no sleeping in tests beyond this). */
  waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs?: number): Promise<T>;
  socket: FakeSocketMode;
  close(): Promise<void>;
}

export interface FakeSocketMode {
  /** Frames our app sent over the WebSocket, parsed. */
  received: Record<string, unknown>[];
  connections(): number;
  /** Sends an envelope to the connected app. */
  send(envelope: Record<string, unknown>): void;
}

/** Fields Slack's client sends as JSON strings. */
const JSON_FIELDS = ['blocks', 'attachments', 'metadata', 'files', 'view', 'unfurl_links'];

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json'))
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  for (const field of JSON_FIELDS) {
    if (typeof args[field] === 'string') {
      try {
        args[field] = JSON.parse(args[field]);
      } catch {
        // not JSON: leave as sent
      }
    }
  }
  return args;
}

// --- The fake ---------------------------------------------------------------------------------------

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: ApiCall[] = [];
  const messages: PostedMessage[] = [];
  const uploads: Upload[] = [];
  const responses: ResponsePost[] = [];
  const scripts = new Map<string, Behaviour[]>();
  const refusedChannels = new Map<string, string>();
  const responseScript: { status: number; retryAfter?: number }[] = [];
  const sockets = new Set<Socket>();
  const socketClients: WebSocket[] = [];
  // Socket Mode's connections: upgrades of this server's `/socket` requests.
  const wss = new WebSocketServer({ noServer: true });
  const received: Record<string, unknown>[] = [];
  let tsCounter = 0;
  let fileCounter = 0;
  let url = '';

  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, '0')}`;

  function answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'chat.postMessage': {
        const message: PostedMessage = {
          channel: String(args.channel),
          ts: nextTs(),
          text: String(args.text ?? ''),
          blocks: args.blocks,
          ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
          ...(args.thread_ts && String(args.reply_broadcast) === 'true' ? { reply_broadcast: true } : {}),
          ...(args.metadata ? { metadata: args.metadata as PostedMessage['metadata'] } : {}),
        };
        messages.push(message);
        return {
          ok: true,
          channel: message.channel,
          ts: message.ts,
          message: { text: message.text, ts: message.ts },
        };
      }
      case 'chat.update': {
        const found = messages.find((m) => m.channel === args.channel && m.ts === args.ts);
        if (!found) return { ok: false, error: 'message_not_found' };
        found.text = String(args.text ?? '');
        found.blocks = args.blocks;
        return { ok: true, channel: found.channel, ts: found.ts, text: found.text };
      }
      case 'views.open':
        return {
          ok: true,
          view: { id: `V${randomBytes(4).toString('hex').toUpperCase()}`, ...(args.view as object) },
        };
      case 'files.getUploadURLExternal': {
        const fileId = `F${String(++fileCounter).padStart(8, '0')}`;
        return { ok: true, upload_url: `${url}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal':
        return {
          ok: true,
          files: ((args.files as { id: string; title?: string }[]) ?? []).map((f) => ({
            id: f.id,
            title: f.title,
          })),
        };
      case 'conversations.history': {
        const oldest = Number(args.oldest ?? 0);
        const found = messages
          .filter(
            (m) =>
              m.channel === args.channel && (!m.thread_ts || m.reply_broadcast) && Number(m.ts) >= oldest,
          )
          .reverse();
        return { ok: true, messages: found, has_more: false };
      }
      case 'conversations.replies': {
        const found = messages.filter(
          (m) => m.channel === args.channel && (m.ts === args.ts || m.thread_ts === args.ts),
        );
        return { ok: true, messages: found, has_more: false };
      }
      case 'apps.connections.open':
        return { ok: true, url: `${url.replace('http://', 'ws://')}/socket` };
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' };
      default:
        return { ok: true };
    }
  }

  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = req.url ?? '/';
    if (path.startsWith('/api/')) {
      const method = path.slice('/api/'.length).split('?')[0]!;
      const args = parseArgs(body.toString('utf8'), req.headers['content-type']);
      const auth = req.headers.authorization;
      const call: ApiCall = {
        method,
        args,
        token: auth?.startsWith('Bearer ')
          ? auth.slice(7)
          : typeof args.token === 'string'
            ? args.token
            : null,
        answered: 200,
        at: Date.now(),
      };
      calls.push(call);
      const refusal = typeof args.channel === 'string' ? refusedChannels.get(args.channel) : undefined;
      const behaviour: Behaviour | undefined = refusal ? { error: refusal } : scripts.get(method)?.shift();
      if (behaviour && 'status' in behaviour) {
        call.answered = behaviour.status;
        res.writeHead(behaviour.status, {
          'content-type': 'application/json',
          ...(behaviour.retryAfter !== undefined ? { 'retry-after': String(behaviour.retryAfter) } : {}),
        });
        res.end(
          JSON.stringify({ ok: false, error: behaviour.status === 429 ? 'ratelimited' : 'internal_error' }),
        );
        return;
      }
      if (behaviour && 'loseAnswer' in behaviour) {
        answer(method, args);
        call.answered = 'lost';
        req.socket.destroy();
        return;
      }
      const result =
        behaviour && 'error' in behaviour ? { ok: false, error: behaviour.error } : answer(method, args);
      call.result = result;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
      return;
    }
    if (path.startsWith('/upload/')) {
      uploads.push({
        fileId: path.slice('/upload/'.length),
        bytes: body,
        contentType: req.headers['content-type'],
        at: Date.now(),
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${body.length}`);
      return;
    }
    if (path.startsWith('/respond/')) {
      const scripted = responseScript.shift();
      const status = scripted?.status ?? 200;
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        parsed = { raw: body.toString('utf8') };
      }
      responses.push({ id: path.slice('/respond/'.length), body: parsed, answered: status });
      res.writeHead(
        status,
        scripted?.retryAfter !== undefined ? { 'retry-after': String(scripted.retryAfter) } : {},
      );
      res.end(status === 200 ? 'ok' : 'error');
      return;
    }
    res.writeHead(404).end();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    wss.handleUpgrade(req, socket, head, (client) => {
      client.on('message', (data, isBinary) => {
        const text = isBinary ? '' : data.toString();
        try {
          received.push(JSON.parse(text) as Record<string, unknown>);
        } catch {
          received.push({ raw: text });
        }
      });
      client.on('error', () => {});
      socketClients.push(client);
      client.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A1' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    ok: (method) => calls.filter((c) => c.method === method && c.answered === 200 && c.result?.ok !== false),
    messages,
    uploads,
    responses,
    script(method, ...behaviours) {
      scripts.set(method, [...(scripts.get(method) ?? []), ...behaviours]);
    },
    refuseChannel(channel, error) {
      if (error === null) refusedChannels.delete(channel);
      else refusedChannels.set(channel, error);
    },
    scriptResponses(...statuses) {
      responseScript.push(...statuses);
    },
    responseUrl: (id = randomBytes(6).toString('hex')) => `${url}/respond/${id}`,
    async waitFor(probe, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    socket: {
      received,
      connections: () => socketClients.length,
      send(envelope) {
        const client = socketClients[socketClients.length - 1];
        if (!client) throw new Error('no Socket Mode connection');
        client.send(JSON.stringify(envelope));
      },
    },
    async close() {
      for (const client of socketClients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// --- Our app, as Slack sees it --------------------------------------------------------------------

export interface SignOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Sign with this secret instead (a wrong one makes a bad signature). */
  secret?: string;
}

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlackSender {
  /** POSTs a form body to /slack/events, signed; answers the status and the body of the ack. */
  post(
    body: string,
    options?: SignOptions,
  ): Promise<{ status: number; text: string; json: Record<string, unknown> | null; ms: number }>;
  command(
    command: string,
    text: string,
    options?: { user?: string; channel?: string; responseUrl?: string } & SignOptions,
  ): Promise<{
    status: number;
    text: string;
    json: Record<string, unknown> | null;
    responseUrl: string;
    ms: number;
  }>;
  button(
    actionId: string,
    value: string,
    options?: { user?: string; channel?: string; responseUrl?: string; messageTs?: string } & SignOptions,
  ): Promise<{
    status: number;
    text: string;
    json: Record<string, unknown> | null;
    responseUrl: string;
    triggerId: string;
  }>;
  submitView(
    view: { callbackId: string; privateMetadata: string; values: Record<string, Record<string, unknown>> },
    options?: { user?: string } & SignOptions,
  ): Promise<{ status: number; text: string; json: Record<string, unknown> | null }>;
}

const triggerId = () => `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(8).toString('hex')}`;

export function slackSender(appUrl: string, signingSecret: string, fake: FakeSlack): SlackSender {
  const post: SlackSender['post'] = async (body, options = {}) => {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const started = performance.now();
    const res = await fetch(`${appUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(options.secret ?? signingSecret, timestamp, body),
      },
      body,
    });
    const text = await res.text();
    const ms = performance.now() - started;
    let json: Record<string, unknown> | null = null;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      json = null;
    }
    return { status: res.status, text, json, ms };
  };
  return {
    post,
    async command(command, text, options = {}) {
      const responseUrl = options.responseUrl ?? fake.responseUrl();
      const body = new URLSearchParams({
        token: 'deprecated-verification-token',
        team_id: 'T0001',
        team_domain: 'factory',
        channel_id: options.channel ?? 'C0PROD1',
        channel_name: 'production',
        user_id: options.user ?? 'U0OPERATOR',
        user_name: 'someone',
        command,
        text,
        api_app_id: 'A0BUILDTRACE',
        response_url: responseUrl,
        trigger_id: triggerId(),
      }).toString();
      return { ...(await post(body, options)), responseUrl };
    },
    async button(actionId, value, options = {}) {
      const responseUrl = options.responseUrl ?? fake.responseUrl();
      const trigger = triggerId();
      const payload = {
        type: 'block_actions',
        user: { id: options.user ?? 'U0OPERATOR', username: 'someone', team_id: 'T0001' },
        api_app_id: 'A0BUILDTRACE',
        token: 'deprecated-verification-token',
        container: {
          type: 'message',
          message_ts: options.messageTs ?? '1.000001',
          channel_id: options.channel ?? 'C0PROD1',
        },
        trigger_id: trigger,
        team: { id: 'T0001', domain: 'factory' },
        channel: { id: options.channel ?? 'C0PROD1', name: 'production' },
        message: { type: 'message', ts: options.messageTs ?? '1.000001', text: '' },
        response_url: responseUrl,
        actions: [
          {
            type: 'button',
            action_id: actionId,
            block_id: 'build_actions',
            value,
            text: { type: 'plain_text', text: actionId },
            action_ts: String(Date.now() / 1000),
          },
        ],
      };
      const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return { ...(await post(body, options)), responseUrl, triggerId: trigger };
    },
    async submitView(view, options = {}) {
      const payload = {
        type: 'view_submission',
        team: { id: 'T0001', domain: 'factory' },
        user: { id: options.user ?? 'U0OPERATOR', username: 'someone', team_id: 'T0001' },
        api_app_id: 'A0BUILDTRACE',
        token: 'deprecated-verification-token',
        trigger_id: triggerId(),
        view: {
          id: `V${randomBytes(4).toString('hex').toUpperCase()}`,
          team_id: 'T0001',
          type: 'modal',
          callback_id: view.callbackId,
          private_metadata: view.privateMetadata,
          hash: randomBytes(6).toString('hex'),
          state: { values: view.values },
          blocks: [],
        },
        response_urls: [],
      };
      return post(`payload=${encodeURIComponent(JSON.stringify(payload))}`, options);
    },
  };
}
