/**
 * IPP over HTTP (RFC 8010 §4): a printer address checked and turned into the HTTP URL requests are
 * POSTed to, and one request/response exchange with a timeout and an AbortSignal. A new connection per
 * request, so that whether a request can have reached the printer is known (`IppTransportError.sent`).
 */
import http from 'node:http';
import https from 'node:https';
import { ValidationError } from '../domain/errors.ts';
import {
  GROUP,
  attr,
  decodeIpp,
  encodeIpp,
  isSuccess,
  type IppAttribute,
  type IppMessage,
} from './ipp-wire.ts';

export interface IppEndpoint {
  /** The `printer-uri` operation attribute: `ipp://` or `ipps://`. */
  printerUri: string;
  /** Where requests go: `http://` or `https://`, same host, port and path. */
  url: URL;
  /** `host:port`, for messages. */
  display: string;
}

const SCHEMES: Record<string, { http: 'http:' | 'https:'; ipp: 'ipp:' | 'ipps:'; port: number }> = {
  'ipp:': { http: 'http:', ipp: 'ipp:', port: 631 },
  'ipps:': { http: 'https:', ipp: 'ipps:', port: 631 },
  'http:': { http: 'http:', ipp: 'ipp:', port: 80 },
  'https:': { http: 'https:', ipp: 'ipps:', port: 443 },
};

/** Checks a printer address (`ipp://host[:port]/path`, `ipps://`, `http://`, `https://`). */
export function parseIppAddress(address: string): IppEndpoint {
  const bad = (message: string) => ValidationError.field('address', message);
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    throw bad(`must be a printer URI such as ipp://10.0.4.21/ipp/print, got '${address}'`);
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme) throw bad(`must be an ipp://, ipps://, http:// or https:// URI, got ${url.protocol}//`);
  if (!url.hostname) throw bad('must name the printer host');
  if (url.username || url.password) throw bad('must not carry a user name or password');
  if (url.search || url.hash) throw bad('must not carry a query or fragment');
  const port = url.port === '' ? scheme.port : Number(url.port);
  const path = url.pathname === '' ? '/' : url.pathname;
  const hostPort = `${url.hostname}:${port}`;
  return {
    printerUri: `${scheme.ipp}//${hostPort}${path}`,
    url: new URL(`${scheme.http}//${hostPort}${path}`),
    display: hostPort,
  };
}

/** The printer could not be reached or did not answer in time. */
export class IppTransportError extends Error {
  constructor(
    message: string,
    /**
     * The printer may have taken the request: the connection was open and it gave no answer (an HTTP
     * error answer means it did not take it).
     */
    readonly sent: boolean,
  ) {
    super(message);
    this.name = 'IppTransportError';
  }
}

/** The printer answered with an IPP error status. */
export class IppStatusError extends Error {
  constructor(
    readonly status: number,
    readonly statusMessage: string,
  ) {
    super(`IPP status 0x${status.toString(16).padStart(4, '0')}${statusMessage ? `: ${statusMessage}` : ''}`);
    this.name = 'IppStatusError';
  }
}

let nextRequestId = 1;

/** The operation attributes every request starts with. */
export function operationAttributes(endpoint: IppEndpoint, ...more: IppAttribute[]): IppAttribute[] {
  return [
    attr.charset(),
    attr.language(),
    attr.uri('printer-uri', endpoint.printerUri),
    attr.name('requesting-user-name', 'buildtrace'),
    ...more,
  ];
}

/**
 * Sends one operation and returns the response; throws `IppTransportError` (no connection, no answer
 * within `timeoutMs`, not an IPP answer), `IppStatusError` (an error status), or the signal's reason.
 */
export async function ippCall(
  endpoint: IppEndpoint,
  request: {
    operation: number;
    attributes: IppAttribute[];
    groups?: IppMessage['groups'];
    data?: Uint8Array;
  },
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<IppMessage> {
  const body = encodeIpp({
    code: request.operation,
    requestId: nextRequestId++,
    groups: [{ tag: GROUP.operation, attributes: request.attributes }, ...(request.groups ?? [])],
    ...(request.data ? { data: request.data } : {}),
  });
  const answer = await post(endpoint, body, options);
  let response: IppMessage;
  try {
    response = decodeIpp(answer);
  } catch (error) {
    throw new IppTransportError(
      `${endpoint.display} did not answer in IPP: ${(error as Error).message}`,
      true,
    );
  }
  if (!isSuccess(response.code)) {
    const message = response.groups
      .find((g) => g.tag === GROUP.operation)
      ?.attributes.find((a) => a.name === 'status-message')?.values[0];
    throw new IppStatusError(response.code, typeof message === 'string' ? message : '');
  }
  return response;
}

function post(
  endpoint: IppEndpoint,
  body: Buffer,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<Buffer> {
  const { signal, timeoutMs } = options;
  signal?.throwIfAborted();
  return new Promise<Buffer>((resolve, reject) => {
    let connected = false;
    let done = false;
    const client = endpoint.url.protocol === 'https:' ? https : http;
    const request = client.request(endpoint.url, {
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': 'application/ipp', 'Content-Length': body.length },
    });
    const finish = (error: Error | null, result?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        request.destroy();
        reject(error);
      } else resolve(result!);
    };
    const onAbort = () => finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    const timer = setTimeout(
      () =>
        finish(new IppTransportError(`no answer from ${endpoint.display} within ${timeoutMs} ms`, connected)),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish(
        new IppTransportError(
          `no answer from ${endpoint.display} (${error.code ?? error.message})`,
          connected,
        ),
      ),
    );
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => finish(new IppTransportError(error.message, true)));
      response.on('end', () => {
        if (response.statusCode !== 200) {
          finish(new IppTransportError(`${endpoint.display} answered HTTP ${response.statusCode}`, false));
        } else finish(null, Buffer.concat(chunks));
      });
    });
    request.end(body);
  });
}
