/**
 * The text of `/printer` and `/build print`, parsed (pure, like src/domain/slack-commands.ts):
 *
 *   /build print <build> [printer name] [serials 1-20,25]
 *   /printer list
 *   /printer status <name>
 *   /printer add <name> <driver> <address> <template> [dpi]   (admin)
 *   /printer remove <name>                                    (admin)
 *   help (or no text)
 *
 * A name with spaces is quoted (`"Zebra line 2"`) or, for `add`, simply the words before the driver.
 */
import { TEMPLATE_NAMES } from './label-templates.ts';
import { PRINTER_DRIVERS, printerAddressProblem, type PrinterDriverName } from './printers.ts';
import { SERIAL_LIST, code, excerpt, isHelp, rangeProblem, tokenize, type Parsed } from './slack-words.ts';

/** `/build print`: `printer` is a printer's name, or `default` (the build's project's printer). */
export interface PrintRequest {
  kind: 'print';
  build: string;
  printer: string;
  serials?: string;
}

export type PrinterRequest =
  | { kind: 'list' }
  | { kind: 'status'; printer: string }
  | {
      kind: 'add';
      name: string;
      driver: PrinterDriverName;
      address: string;
      template: string;
      dpi?: number;
    }
  | { kind: 'remove'; printer: string }
  | { kind: 'help' };

/** `print <build> [printer name…] [serials 1-20,25]`: the name is every other word (or one quoted). */
export function parsePrint(words: string[]): Parsed<PrintRequest> {
  const fail = (problem: string): Parsed<PrintRequest> => ({
    ok: false,
    problem,
    usage: '`/build print <build> [printer name] [serials 1-20,25]`',
  });
  const build = code(words[0], 'build');
  if (!build.ok) return fail(build.problem);
  const name: string[] = [];
  let serials: string | undefined;
  for (let i = 1; i < words.length; i++) {
    if (!/^serials?$/i.test(words[i]!)) {
      name.push(words[i]!);
      continue;
    }
    const range = words[++i];
    if (!range || !SERIAL_LIST.test(range))
      return fail('`serials` needs serials or ranges, e.g. `serials 1-50` or `serials 1-20,25`');
    serials = range;
  }
  const problem = rangeProblem(serials);
  if (problem) return fail(problem);
  const printer = name.join(' ') || 'default';
  if ([...printer].length > 60) return fail(`'${excerpt(printer)}' is too long for a printer name`);
  return {
    ok: true,
    request: { kind: 'print', build: build.code, printer, ...(serials ? { serials } : {}) },
  };
}

const ADD_USAGE = '`/printer add <name> <driver> <address> <template> [dpi]`';

export const PRINTER_USAGE = [
  '`/printer list` — the label printers',
  '`/printer status <name>` — a printer now: its state, what it holds, where it is the default, runs in flight',
  `${ADD_USAGE} — add a printer (admin): driver ${PRINTER_DRIVERS.join(', ')}; quote a name with spaces`,
  '`/printer remove <name>` — remove a printer with no runs in flight (admin)',
].join('\n');

const NAME_MAX = 60;

function nameOf(words: string[], usage: string): Parsed<string> {
  const name = words.join(' ').trim();
  if (!name) return { ok: false, problem: 'name the printer', usage };
  if ([...name].length > NAME_MAX)
    return { ok: false, problem: `'${excerpt(name)}' is too long for a printer name`, usage };
  return { ok: true, request: name };
}

function parseAdd(words: string[]): Parsed<PrinterRequest> {
  const fail = (problem: string): Parsed<PrinterRequest> => ({ ok: false, problem, usage: ADD_USAGE });
  const at = words.findIndex(
    (w, i) => i > 0 && (PRINTER_DRIVERS as readonly string[]).includes(w.toLowerCase()),
  );
  if (words.length === 0) return fail('name the printer, its driver, its address and its label template');
  if (at < 0) return fail(`name a driver after the printer's name: ${PRINTER_DRIVERS.join(', ')}`);
  const name = nameOf(words.slice(0, at), ADD_USAGE);
  if (!name.ok) return name;
  const driver = words[at]!.toLowerCase() as PrinterDriverName;
  const [address, template, dpiWord, ...extra] = words.slice(at + 1);
  if (!address) return fail("give the printer's address (host:port, or an ipp:// URI)");
  const addressProblem = printerAddressProblem(driver, address);
  if (addressProblem) return fail(`address '${excerpt(address)}' ${addressProblem}`);
  if (!template) return fail(`name the label template it holds: ${TEMPLATE_NAMES.join(', ')}`);
  if (!(TEMPLATE_NAMES as readonly string[]).includes(template.toLowerCase()))
    return fail(
      `'${excerpt(template)}' is not a label template; the templates are ${TEMPLATE_NAMES.join(', ')}`,
    );
  let dpi: number | undefined;
  if (dpiWord !== undefined) {
    const m = /^(\d{2,4})(dpi)?$/i.exec(dpiWord);
    if (!m) return fail(`'${excerpt(dpiWord)}' is not a resolution such as 300 or 300dpi`);
    dpi = Number(m[1]);
  }
  if (extra.length > 0) return fail(`unexpected '${excerpt(extra.join(' '))}' after the resolution`);
  return {
    ok: true,
    request: {
      kind: 'add',
      name: name.request,
      driver,
      address,
      template: template.toLowerCase(),
      ...(dpi ? { dpi } : {}),
    },
  };
}

/** `/printer …` */
export function parsePrinterCommand(text: string): Parsed<PrinterRequest> {
  const words = tokenize(text);
  if (isHelp(words)) return { ok: true, request: { kind: 'help' } };
  const [verb, ...rest] = words as [string, ...string[]];
  const action = verb.toLowerCase();
  if (action === 'list' || action === 'ls') {
    if (rest.length > 0)
      return {
        ok: false,
        problem: `unexpected '${excerpt(rest.join(' '))}' after list`,
        usage: '`/printer list`',
      };
    return { ok: true, request: { kind: 'list' } };
  }
  if (action === 'add') return parseAdd(rest);
  if (action === 'status' || action === 'show' || action === 'remove' || action === 'delete') {
    const kind = action === 'status' || action === 'show' ? 'status' : 'remove';
    const name = nameOf(rest, `\`/printer ${kind} <name>\``);
    if (!name.ok) return name;
    return { ok: true, request: { kind, printer: name.request } };
  }
  return { ok: false, problem: `'${excerpt(verb)}' is not a /printer command`, usage: PRINTER_USAGE };
}
