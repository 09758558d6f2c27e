/**
 * A scripted IPP printer on a loopback port, for the states ippeveprinter cannot be put in: a stopped
 * printer (`printer-state` 5), a job stopped, aborted or canceled part-way (`job-state` 6/7/8 with
 * `job-impressions-completed`), a printer without PDF, a refused job, a printer that never answers.
 * It speaks the driver's own wire encoder (`src/printers/ipp-wire.ts`), which the ippeveprinter tests
 * check against a real IPP implementation. Tests set its state directly.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  GROUP,
  OP,
  TAG,
  attributeMap,
  decodeIpp,
  encodeIpp,
  type IppAttribute,
  type IppGroup,
} from '../../src/printers/ipp-wire.ts';

export interface FakeJob {
  id: number;
  name: string;
  state: number;
  impressions: number;
  reasons: string[];
  /** The document's bytes. */
  document: Uint8Array;
}

export interface FakeIppPrinter {
  uri: string;
  printerState: number;
  reasons: string[];
  formats: string[];
  jobs: FakeJob[];
  /** Job state a new job starts in (default 5 processing). */
  newJobState: number;
  /** IPP status Print-Job answers with instead of success (e.g. 0x0506 not accepting jobs). */
  refuseJobs: number | null;
  /** When true, requests are read and never answered. */
  silent: boolean;
  /** Operations received, in order. */
  operations: number[];
  stop(): Promise<void>;
}

export async function startFakeIppPrinter(): Promise<FakeIppPrinter> {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    void answer(fake, request, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const fake: FakeIppPrinter = {
    uri: `ipp://127.0.0.1:${port}/ipp/print`,
    printerState: 3,
    reasons: ['none'],
    formats: ['application/pdf', 'image/pwg-raster'],
    jobs: [],
    newJobState: 5,
    refuseJobs: null,
    silent: false,
    operations: [],
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

async function answer(
  fake: FakeIppPrinter,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (fake.silent) return;
  const message = decodeIpp(Buffer.concat(chunks));
  fake.operations.push(message.code);
  const operation = message.groups.find((g) => g.tag === GROUP.operation);
  const attributes = operation ? attributeMap(operation) : new Map();
  let status = 0x0000;
  const groups: IppGroup[] = [];
  const jobGroup = (job: FakeJob): IppGroup => ({
    tag: GROUP.job,
    attributes: [
      { name: 'job-id', tag: TAG.integer, values: [job.id] },
      { name: 'job-name', tag: TAG.name, values: [job.name] },
      { name: 'job-state', tag: TAG.enum, values: [job.state] },
      { name: 'job-state-reasons', tag: TAG.keyword, values: job.reasons.length ? job.reasons : ['none'] },
      { name: 'job-impressions-completed', tag: TAG.integer, values: [job.impressions] },
    ],
  });
  switch (message.code) {
    case OP.getPrinterAttributes:
      groups.push({ tag: GROUP.printer, attributes: printerAttributes(fake) });
      break;
    case OP.printJob: {
      if (fake.refuseJobs !== null) {
        status = fake.refuseJobs;
        break;
      }
      const name = attributes.get('job-name')?.[0];
      const job: FakeJob = {
        id: fake.jobs.length + 1,
        name: typeof name === 'string' ? name : 'untitled',
        state: fake.newJobState,
        impressions: 0,
        reasons: [],
        document: new Uint8Array(message.data ?? []),
      };
      fake.jobs.push(job);
      groups.push(jobGroup(job));
      break;
    }
    case OP.getJobAttributes: {
      const job = fake.jobs.find((j) => j.id === attributes.get('job-id')?.[0]);
      if (job) groups.push(jobGroup(job));
      else status = 0x0406; // client-error-not-found
      break;
    }
    case OP.getJobs:
      for (const job of fake.jobs) groups.push(jobGroup(job));
      break;
    default:
      status = 0x0501; // server-error-operation-not-supported
  }
  const operationGroup: IppGroup = {
    tag: GROUP.operation,
    attributes: [
      { name: 'attributes-charset', tag: TAG.charset, values: ['utf-8'] },
      { name: 'attributes-natural-language', tag: TAG.naturalLanguage, values: ['en'] },
    ],
  };
  const body = encodeIpp({ code: status, requestId: message.requestId, groups: [operationGroup, ...groups] });
  response.writeHead(200, { 'Content-Type': 'application/ipp', 'Content-Length': body.length });
  response.end(body);
}

function printerAttributes(fake: FakeIppPrinter): IppAttribute[] {
  const queued = fake.jobs.filter((j) => j.state <= 6).length;
  return [
    { name: 'printer-state', tag: TAG.enum, values: [fake.printerState] },
    { name: 'printer-state-reasons', tag: TAG.keyword, values: fake.reasons },
    { name: 'printer-is-accepting-jobs', tag: TAG.boolean, values: [true] },
    { name: 'queued-job-count', tag: TAG.integer, values: [queued] },
    { name: 'document-format-supported', tag: TAG.mimeMediaType, values: fake.formats },
    { name: 'printer-make-and-model', tag: TAG.text, values: ['Fake IPP label printer'] },
  ];
}
