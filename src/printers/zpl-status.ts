/**
 * What a Zebra says about itself: the `~HS` host status (three STX … ETX framed lines, ZPL II
 * programming guide) and the SGD label counter, read from raw bytes and put in the product's words.
 */
import type { PrinterStatus } from '../domain/printers.ts';
import type { RawParse } from './raw-tcp.ts';

const STX = 0x02;
const ETX = 0x03;

/** The `~HS` answer's fields that matter here. */
export interface ZplHostStatus {
  paperOut: boolean;
  paused: boolean;
  /** Label length in dots. */
  labelLength: number;
  /** Formats received and not yet printed. */
  formatsInBuffer: number;
  bufferFull: boolean;
  partialFormat: boolean;
  corruptRam: boolean;
  underTemperature: boolean;
  overTemperature: boolean;
  headUp: boolean;
  ribbonOut: boolean;
  thermalTransfer: boolean;
  /** Labels still to print of the format being printed (its `^PQ` quantity left). */
  labelsRemaining: number;
  /** The three lines as received. */
  lines: [string, string, string];
}

/** The request for the host status. */
export const HOST_STATUS_REQUEST = '~HS';
/** The SGD request for the printer's label counter; answered as `"1234"`. */
export const ODOMETER_REQUEST = '! U1 getvar "odometer.total_label_count"\r\n';

const flag = (value: string | undefined) => value === '1';
const int = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN);

/** Parses the three framed lines of a `~HS` answer; throws for lines that are not a host status. */
export function parseHostStatus(lines: [string, string, string]): ZplHostStatus {
  const a = lines[0].split(',');
  const b = lines[1].split(',');
  if (a.length < 12 || b.length < 11) throw new Error(`not a ~HS answer: ${JSON.stringify(lines)}`);
  const status: ZplHostStatus = {
    paperOut: flag(a[1]),
    paused: flag(a[2]),
    labelLength: int(a[3]),
    formatsInBuffer: int(a[4]),
    bufferFull: flag(a[5]),
    partialFormat: flag(a[7]),
    corruptRam: flag(a[9]),
    underTemperature: flag(a[10]),
    overTemperature: flag(a[11]),
    headUp: flag(b[2]),
    ribbonOut: flag(b[3]),
    thermalTransfer: flag(b[4]),
    labelsRemaining: int(b[8]),
    lines,
  };
  if (Number.isNaN(status.formatsInBuffer) || Number.isNaN(status.labelsRemaining)) {
    throw new Error(`not a ~HS answer: ${JSON.stringify(lines)}`);
  }
  return status;
}

/**
 * Finds three complete STX … ETX frames in the bytes received (see {@link parseHostStatus}); bytes
 * before the first STX (a late answer to an earlier question) are consumed with them.
 */
export const readHostStatus: RawParse<ZplHostStatus> = (received) => {
  const frames: string[] = [];
  let at = received.indexOf(STX);
  while (frames.length < 3) {
    if (at === -1) return null;
    const end = received.indexOf(ETX, at + 1);
    if (end === -1) return null;
    frames.push(received.subarray(at + 1, end).toString('latin1'));
    at = frames.length < 3 ? received.indexOf(STX, end + 1) : end + 1;
  }
  // The CR LF after the last frame belongs to it.
  while (at < received.length && (received[at] === 0x0d || received[at] === 0x0a)) at++;
  return { value: parseHostStatus(frames as [string, string, string]), consumed: at };
};

/**
 * Finds an SGD answer (`"1234"`, `"?"`): the counter when it is a number, null when the printer does
 * not know the setting.
 */
export const readSgdCounter: RawParse<number | null> = (received) => {
  const open = received.indexOf(0x22);
  if (open === -1) return null;
  const close = received.indexOf(0x22, open + 1);
  if (close === -1) return null;
  const text = received
    .subarray(open + 1, close)
    .toString('latin1')
    .trim();
  let consumed = close + 1;
  while (consumed < received.length && (received[consumed] === 0x0d || received[consumed] === 0x0a))
    consumed++;
  return { value: /^\d{1,15}$/.test(text) ? Number(text) : null, consumed };
};

/** Labels the printer holds: formats in its buffer plus what is left of the one it is printing. */
export function heldLabels(status: ZplHostStatus): number {
  return status.formatsInBuffer + status.labelsRemaining;
}

/** The host status in the product's words; `counter` is the odometer when the printer told it. */
export function zplPrinterStatus(status: ZplHostStatus, counter: number | null): PrinterStatus {
  const pending = heldLabels(status);
  const [state, message]: [PrinterStatus['state'], string] = status.headUp
    ? ['head-open', 'print head open']
    : status.paperOut
      ? ['paper-out', 'out of labels']
      : status.ribbonOut
        ? ['ribbon-out', 'ribbon out']
        : status.paused
          ? ['paused', 'paused on the printer']
          : status.corruptRam
            ? ['error', 'printer memory corrupt']
            : status.overTemperature
              ? ['error', 'print head too hot']
              : status.underTemperature
                ? ['error', 'print head too cold']
                : pending > 0
                  ? ['printing', `printing, ${pending} label${pending === 1 ? '' : 's'} to go`]
                  : ['ready', 'ready'];
  const result: PrinterStatus = {
    state,
    ready: state === 'ready',
    message,
    pending,
    detail: {
      paperOut: status.paperOut,
      paused: status.paused,
      headUp: status.headUp,
      ribbonOut: status.ribbonOut,
      formatsInBuffer: status.formatsInBuffer,
      labelsRemaining: status.labelsRemaining,
      bufferFull: status.bufferFull,
      partialFormat: status.partialFormat,
      hostStatus: status.lines,
    },
  };
  if (counter !== null) result.counter = counter;
  return result;
}
