/**
 * The `ipp` driver: IPP Everywhere printers and CUPS queues, over IPP/1.1 (RFC 8010/8011) with our
 * own wire encoder (`ipp-wire.ts`). A batch is one Print-Job named after the batch's key, its labels
 * one PDF at the printer's template and resolution; it is confirmed when the job completes.
 *
 * - status: Get-Printer-Attributes (`printer-state`, `printer-state-reasons`, `queued-job-count`).
 * - mark: the formats the printer takes and the newest job id it knows, before the job is sent.
 * - print: Print-Job, then Get-Job-Attributes until the job ends; `job-impressions-completed` (pages)
 *   × labels per page says how far a canceled, aborted or stopped job got. A printer fault while the
 *   job is still pending or processing (many printers keep a job "processing" while out of paper)
 *   ends the batch too, the job's unprinted labels left unsettled.
 * - settle: Get-Jobs (`which-jobs=all`) finds the job by its name.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValidationError } from '../domain/errors.ts';
import { getTemplate, labelsPerPage } from '../domain/label-templates.ts';
import type { LabelContent } from '../domain/labels.ts';
import type {
  BatchOutcome,
  PrinterDriver,
  PrinterStatus,
  PrinterTarget,
  SettledBatch,
} from '../domain/printers.ts';
import {
  IppStatusError,
  IppTransportError,
  ippCall,
  operationAttributes,
  parseIppAddress,
  type IppEndpoint,
} from './ipp-client.ts';
import {
  JOB_STATE,
  isFault,
  jobInfo,
  labelsOn,
  num,
  printerStatus,
  unreachableStatus,
  type JobInfo,
} from './ipp-status.ts';
import { GROUP, OP, attr, attributeMap, type IppValue } from './ipp-wire.ts';

export interface IppDriverOptions {
  /** How long `status` waits for an answer before calling the printer unreachable. */
  statusTimeoutMs: number;
  /** How long any other request waits (Print-Job: for the upload and its answer). */
  requestTimeoutMs: number;
  /** Between two looks at a job being printed. */
  pollMs: number;
  /** A job neither done nor stopped after this long ends the batch (its labels left unsettled). */
  maxJobMs: number;
  /** Labels per batch on one-label-per-page stock; sheet stock gets whole sheets near it. */
  batchLabels: number;
}

const DEFAULTS: IppDriverOptions = {
  statusTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
  pollMs: 250,
  maxJobMs: 5 * 60_000,
  batchLabels: 50,
};

const PDF = 'application/pdf';
const PRINTER_ATTRIBUTES = [
  'printer-state',
  'printer-state-reasons',
  'printer-state-message',
  'printer-is-accepting-jobs',
  'queued-job-count',
  'document-format-supported',
  'printer-make-and-model',
  'printer-name',
];
const JOB_ATTRIBUTES = ['job-id', 'job-name', 'job-state', 'job-state-reasons', 'job-impressions-completed'];
/** IPP status codes that say the document itself cannot be printed there. */
const DOCUMENT_REFUSED = new Set([0x040a, 0x040b, 0x040e, 0x040f]);

/** The IPP driver with other timings (tests poll faster); {@link ippDriver} is the one with defaults. */
export function createIppDriver(overrides: Partial<IppDriverOptions> = {}): PrinterDriver {
  const options: IppDriverOptions = { ...DEFAULTS, ...overrides };

  const printerAttributes = async (endpoint: IppEndpoint, timeoutMs: number, signal?: AbortSignal) => {
    const response = await ippCall(
      endpoint,
      {
        operation: OP.getPrinterAttributes,
        attributes: operationAttributes(
          endpoint,
          attr.keyword('requested-attributes', ...PRINTER_ATTRIBUTES),
        ),
      },
      { timeoutMs, ...(signal ? { signal } : {}) },
    );
    const group = response.groups.find((g) => g.tag === GROUP.printer);
    return group ? attributeMap(group) : new Map<string, IppValue[]>();
  };

  const readStatus = async (endpoint: IppEndpoint, signal?: AbortSignal): Promise<PrinterStatus> => {
    try {
      return printerStatus(
        await printerAttributes(endpoint, options.statusTimeoutMs, signal),
        endpoint.printerUri,
      );
    } catch (error) {
      signal?.throwIfAborted();
      if (error instanceof IppTransportError) return unreachableStatus(error.message);
      if (error instanceof IppStatusError) {
        return { state: 'error', ready: false, message: `${endpoint.printerUri} refused: ${error.message}` };
      }
      throw error;
    }
  };

  const jobs = async (endpoint: IppEndpoint, signal?: AbortSignal): Promise<JobInfo[]> => {
    const response = await ippCall(
      endpoint,
      {
        operation: OP.getJobs,
        attributes: operationAttributes(
          endpoint,
          attr.keyword('which-jobs', 'all'),
          attr.keyword('requested-attributes', ...JOB_ATTRIBUTES),
        ),
      },
      { timeoutMs: options.requestTimeoutMs, ...(signal ? { signal } : {}) },
    );
    return response.groups.filter((g) => g.tag === GROUP.job).map((g) => jobInfo(attributeMap(g)));
  };

  const job = async (endpoint: IppEndpoint, id: number, signal?: AbortSignal): Promise<JobInfo> => {
    const response = await ippCall(
      endpoint,
      {
        operation: OP.getJobAttributes,
        attributes: operationAttributes(
          endpoint,
          attr.integer('job-id', id),
          attr.keyword('requested-attributes', ...JOB_ATTRIBUTES),
        ),
      },
      { timeoutMs: options.requestTimeoutMs, ...(signal ? { signal } : {}) },
    );
    const group = response.groups.find((g) => g.tag === GROUP.job);
    return { ...jobInfo(group ? attributeMap(group) : new Map()), id };
  };

  const encode = async (target: PrinterTarget, labels: LabelContent[]): Promise<Uint8Array> => {
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    // The PDF renderer (pdf-lib, fontkit) loads with the first PDF a printer is sent.
    const { renderLabels } = await import('../labels/render.ts');
    await renderLabels(labels, { template: getTemplate(target.template), dpi: target.dpi, out });
    return new Uint8Array(Buffer.concat(chunks));
  };

  return {
    name: 'ipp',

    batchSize(target) {
      const perPage = labelsPerPage(getTemplate(target.template));
      return perPage === 1
        ? options.batchLabels
        : Math.max(perPage, Math.floor(options.batchLabels / perPage) * perPage);
    },

    async status(target, signal) {
      return readStatus(parseIppAddress(target.address), signal);
    },

    async mark(target, batch, signal) {
      const endpoint = parseIppAddress(target.address);
      const attributes = await printerAttributes(endpoint, options.statusTimeoutMs, signal);
      const formats = (attributes.get('document-format-supported') ?? []).filter(
        (v): v is string => typeof v === 'string',
      );
      const known = await jobs(endpoint, signal);
      return {
        jobName: batch.key,
        pdf: formats.length === 0 || formats.includes(PDF),
        formats: formats.join(','),
        labelsPerPage: labelsPerPage(getTemplate(target.template)),
        lastJobId: known.reduce((max, j) => Math.max(max, j.id), 0),
      };
    },

    async print(target, batch, mark, signal): Promise<BatchOutcome> {
      const endpoint = parseIppAddress(target.address);
      const count = batch.labels.length;
      if (count === 0) return { printed: 0, unsettled: 0 };
      if (mark.pdf === false) {
        throw ValidationError.field(
          'driver',
          `the printer at ${endpoint.printerUri} takes ${String(mark.formats)} but not ${PDF}: ` +
            'the ipp driver sends labels as PDF (PWG raster is not implemented)',
        );
      }
      const perPage =
        typeof mark.labelsPerPage === 'number'
          ? mark.labelsPerPage
          : labelsPerPage(getTemplate(target.template));
      const pdf = await encode(target, batch.labels);

      let jobId: number;
      try {
        const response = await ippCall(
          endpoint,
          {
            operation: OP.printJob,
            attributes: operationAttributes(
              endpoint,
              attr.name('job-name', batch.key),
              attr.mime('document-format', PDF),
            ),
            data: pdf,
          },
          { timeoutMs: options.requestTimeoutMs, ...(signal ? { signal } : {}) },
        );
        const group = response.groups.find((g) => g.tag === GROUP.job);
        jobId = group ? (num(attributeMap(group).get('job-id')) ?? 0) : 0;
        if (jobId <= 0) {
          // Accepted but without a job id to follow: only a later settle (by name) can tell.
          const printer = await readStatus(endpoint, signal);
          const message = `the printer took the job without a job-id to follow; ${printer.message}`;
          return {
            printed: 0,
            unsettled: count,
            fault: { ...printer, state: 'error', ready: false, message },
          };
        }
      } catch (error) {
        signal?.throwIfAborted();
        if (error instanceof IppTransportError) {
          return { printed: 0, unsettled: error.sent ? count : 0, fault: unreachableStatus(error.message) };
        }
        if (error instanceof IppStatusError) {
          if (DOCUMENT_REFUSED.has(error.status)) {
            throw ValidationError.field(
              'labels',
              `the printer at ${endpoint.printerUri} refused the PDF: ${error.message}`,
            );
          }
          const fault = await readStatus(endpoint, signal);
          const message = `the printer refused the job (${error.message}); ${fault.message}`;
          return {
            printed: 0,
            unsettled: 0,
            fault: { ...fault, state: isFault(fault) ? fault.state : 'error', ready: false, message },
          };
        }
        throw error;
      }

      const deadline = Date.now() + options.maxJobMs;
      let confirmed = 0;
      for (;;) {
        // The printer first, then the job: a fault seen is never newer than the pages counted.
        const printer = await readStatus(endpoint, signal);
        let info: JobInfo;
        try {
          info = await job(endpoint, jobId, signal);
        } catch (error) {
          signal?.throwIfAborted();
          if (!(error instanceof IppTransportError || error instanceof IppStatusError)) throw error;
          const fault = unreachableStatus(`lost job ${jobId} at ${endpoint.display}: ${error.message}`);
          return { printed: confirmed, unsettled: count - confirmed, fault };
        }
        confirmed = Math.max(confirmed, labelsOn(info.impressions, perPage, count));
        if (info.state === JOB_STATE.completed) return { printed: count, unsettled: 0 };
        if (info.state === JOB_STATE.canceled || info.state === JOB_STATE.aborted) {
          const how = info.state === JOB_STATE.canceled ? 'canceled' : 'aborted';
          const message = `job ${jobId} ${how} at the printer (${info.reasons.join(', ') || 'no reason given'}) after ${confirmed} of ${count} labels`;
          const fault: PrinterStatus = isFault(printer)
            ? { ...printer, message: `${printer.message}; ${message}` }
            : { ...printer, state: 'error', ready: false, message };
          return { printed: confirmed, unsettled: 0, fault };
        }
        if (info.state === JOB_STATE.processingStopped || isFault(printer)) {
          // A job stopped while the printer looked fine a moment ago: ask the printer why, now.
          const why = isFault(printer) ? printer : await readStatus(endpoint, signal);
          const fault: PrinterStatus = isFault(why)
            ? why
            : {
                ...why,
                state: 'error',
                ready: false,
                message: `job ${jobId} stopped (${info.reasons.join(', ')})`,
              };
          return { printed: confirmed, unsettled: count - confirmed, fault };
        }
        if (Date.now() > deadline) {
          const message = `job ${jobId} not done after ${Math.round(options.maxJobMs / 1000)} s (${printer.message})`;
          return {
            printed: confirmed,
            unsettled: count - confirmed,
            fault: { ...printer, ready: false, message },
          };
        }
        await pause(options.pollMs, signal);
      }
    },

    async settle(target, sent, mark, signal): Promise<SettledBatch | null> {
      const endpoint = parseIppAddress(target.address);
      const perPage =
        typeof mark.labelsPerPage === 'number'
          ? mark.labelsPerPage
          : labelsPerPage(getTemplate(target.template));
      const known = await jobs(endpoint, signal);
      const found = known.filter((j) => j.name === sent.key).sort((a, b) => b.id - a.id)[0];
      if (!found) {
        // Printers forget finished jobs after a while: "not found" means "never sent" only while the
        // printer still remembers a job from before the mark (its ids count up, oldest forgotten first).
        const lastJobId = typeof mark.lastJobId === 'number' ? mark.lastJobId : null;
        if (lastJobId === null) return null;
        const remembers = known.some((j) => j.id <= lastJobId + 1);
        return remembers ? { printed: 0, pending: 0 } : null;
      }
      if (found.state === JOB_STATE.completed) return { printed: sent.count, pending: 0 };
      const printed = labelsOn(found.impressions, perPage, sent.count);
      if (found.state === JOB_STATE.canceled || found.state === JOB_STATE.aborted)
        return { printed, pending: 0 };
      return { printed, pending: sent.count - printed };
    },

    encode,
  };
}

/** Waits `ms`; rejects with the signal's own reason when it is aborted. */
async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    signal?.throwIfAborted();
    throw error;
  }
}

export const ippDriver: PrinterDriver = createIppDriver();
