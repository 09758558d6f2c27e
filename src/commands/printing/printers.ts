/**
 * Printers as objects: admins add, change and remove them and say which printer a project or a
 * location prints on (and whether it prints by itself); everyone may list them and read a printer's
 * live status.
 */
import { z } from 'zod';
import { ConflictError, NotFoundError, RuleViolation, ValidationError } from '../../domain/errors.ts';
import { TEMPLATE_NAMES, defaultDpi, getTemplate, supportsDpi } from '../../domain/label-templates.ts';
import {
  ASSIGNMENT_SCOPES,
  PRINTER_DRIVERS,
  printerAddressProblem,
  type Printer,
  type PrinterStatus,
} from '../../domain/printers.ts';
import { defineCommand } from '../define.ts';
import { findOrFail } from '../lookup.ts';
import type { LabelSource, Repositories, Services } from '../ports.ts';
import { idCodeRef, pageQuery } from '../validation.ts';

const printerName = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, 'letters, digits, spaces, dots, dashes and underscores')
  .describe('e.g. "Zebra line 2"; unique, any case');
/** A printer by its name (any case) or its numeric id. */
export const printerRef = z.string().trim().min(1).max(60).describe("a printer's name or id");

export async function resolvePrinter(repos: Repositories, field: string, ref: string): Promise<Printer> {
  const found = /^\d+$/.test(ref)
    ? await repos.printers.findById(Number(ref))
    : await repos.printers.findByName(ref.trim());
  if (!found) throw new NotFoundError('printer', ref, `${field}: printer ${ref} does not exist`, field);
  return found;
}

/** The printer a request names: by name or id, or `default` — the build's project's or the lots' location's. */
export async function printerFor(repos: Repositories, ref: string, source: LabelSource) {
  if (ref.toLowerCase() !== 'default') return resolvePrinter(repos, 'printer', ref);
  let assignment = null;
  if (source.kind === 'build') {
    const build = (await repos.builds.findById(source.buildId))!;
    assignment = await repos.printers.assignment('project', build.projectId);
  } else if (source.kind === 'lots') {
    const lot = await repos.lots.findById(source.lotIds[0]!);
    if (lot?.locationId) assignment = await repos.printers.assignment('location', lot.locationId);
  }
  if (!assignment)
    throw ValidationError.field(
      'printer',
      source.kind === 'build'
        ? "the build's project has no printer: name one, or give the project a printer (PUT /projects/{code}/printer)"
        : source.kind === 'lots'
          ? "the first lot's location has no printer: name one, or give the location a printer (PUT /locations/{code}/printer)"
          : 'only builds and lots have a default printer: name one',
    );
  return (await repos.printers.findById(assignment.printerId))!;
}
/** Checks a printer's template, resolution and address together; answers the dpi to keep. */
function checkPrinter(p: {
  driver: Printer['driver'];
  address: string;
  template: string;
  dpi?: number | undefined;
}) {
  const problems = [];
  const addressProblem = printerAddressProblem(p.driver, p.address);
  if (addressProblem) problems.push({ field: 'address', message: addressProblem });
  const template = getTemplate(p.template);
  const dpi = p.dpi ?? defaultDpi(template);
  if (!supportsDpi(template, dpi))
    problems.push({
      field: 'dpi',
      message: `template ${p.template} is laid out for ${template.dpis.join(' or ')} dpi, not ${dpi}`,
    });
  if (problems.length > 0) throw new ValidationError(problems);
  return dpi;
}

async function locationId(repos: Repositories, code: string | null | undefined) {
  if (code === undefined) return undefined;
  if (code === null) return null;
  return (await findOrFail('location', 'location', code, (c) => repos.locations.findByCode(c))).id;
}

const fields = {
  driver: z.enum(PRINTER_DRIVERS).describe('zpl (Zebra, raw TCP 9100), brother-ql (raw TCP 9100) or ipp'),
  address: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .describe(
      'host or host:port for zpl and brother-ql (port 9100 by default); an ipp:// or ipps:// URI for ipp',
    ),
  template: z.enum(TEMPLATE_NAMES as [string, ...string[]]).describe('the label stock it holds'),
  dpi: z
    .int()
    .positive()
    .optional()
    .describe("the head's resolution: one of the template's dpis (its first by default)"),
  location: idCodeRef.nullish().describe('where it stands (a location ID code)'),
  description: z.string().trim().max(500).nullish(),
  enabled: z.boolean().optional(),
};

export const createPrinter = defineCommand({
  name: 'createPrinter',
  summary: 'Add a label printer',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ name: printerName, ...fields }),
  async run({ repos }, input) {
    const dpi = checkPrinter(input);
    if (await repos.printers.findByName(input.name))
      throw new ConflictError(`a printer named ${input.name} exists already`);
    return repos.printers.insert({
      name: input.name,
      driver: input.driver,
      address: input.address,
      template: input.template,
      dpi,
      locationId: (await locationId(repos, input.location)) ?? null,
      description: input.description ?? null,
      enabled: input.enabled ?? true,
    });
  },
});

export const updatePrinter = defineCommand({
  name: 'updatePrinter',
  summary: 'Change a printer: its address, stock, resolution, place, or whether it takes print runs',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    printer: printerRef,
    name: printerName.optional(),
    ...fields,
    driver: fields.driver.optional(),
    address: fields.address.optional(),
    template: fields.template.optional(),
  }),
  async run({ repos }, { printer: ref, ...patch }) {
    const printer = await resolvePrinter(repos, 'printer', ref);
    const driver = patch.driver ?? printer.driver;
    const template = patch.template ?? printer.template;
    const dpi = checkPrinter({
      driver,
      address: patch.address ?? printer.address,
      template,
      dpi: patch.dpi ?? (patch.template ? undefined : printer.dpi),
    });
    if (patch.name && patch.name.toLowerCase() !== printer.name.toLowerCase()) {
      if (await repos.printers.findByName(patch.name))
        throw new ConflictError(`a printer named ${patch.name} exists already`);
    }
    if ((patch.template || patch.dpi) && (await repos.printers.countOpenRuns(printer.id)) > 0)
      throw new RuleViolation(
        `printer ${printer.name} has print runs not finished: finish or cancel them before changing its stock or resolution`,
      );
    const location = await locationId(repos, patch.location);
    return repos.printers.update(printer.id, {
      name: patch.name,
      driver,
      address: patch.address,
      template,
      dpi,
      locationId: location,
      description: patch.description === undefined ? undefined : (patch.description ?? null),
      enabled: patch.enabled,
    });
  },
});

export const deletePrinter = defineCommand({
  name: 'deletePrinter',
  summary: 'Remove a printer that has no print runs in flight (its assignments go with it)',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ printer: printerRef }),
  async run({ repos }, { printer: ref }) {
    const printer = await resolvePrinter(repos, 'printer', ref);
    if ((await repos.printers.countOpenRuns(printer.id)) > 0)
      throw new RuleViolation(
        `printer ${printer.name} has print runs not finished: finish or cancel them first`,
      );
    // Runs it printed keep naming it, for their history.
    if (!(await repos.printers.delete(printer.id)))
      throw new RuleViolation(
        `printer ${printer.name} printed label runs, which keep naming it for their history: disable it instead (enabled: false)`,
      );
    return { deleted: printer.name };
  },
});

export const listPrinters = defineCommand({
  name: 'listPrinters',
  summary: 'List the label printers',
  role: 'viewer',
  mode: 'read',
  input: pageQuery,
  run: ({ repos }, page) => repos.printers.list(page),
});

/** Reads a printer's status now, within a couple of seconds. */
export async function liveStatus(services: Services, printer: Printer): Promise<PrinterStatus | null> {
  const driver = services.printers?.[printer.driver];
  if (!driver) return null;
  return driver.status(printer, AbortSignal.timeout(3_000));
}

export const getPrinter = defineCommand({
  name: 'getPrinter',
  summary: 'Show a printer with its live status, where it is the default, and its runs in flight',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ printer: printerRef }),
  async run({ repos, services }, { printer: ref }) {
    const printer = await resolvePrinter(repos, 'printer', ref);
    const live = await liveStatus(services, printer);
    return {
      ...printer,
      live,
      openRuns: await repos.printers.countOpenRuns(printer.id),
      assignments: await repos.printers.assignmentsOf(printer.id),
    };
  },
});

/** Records a live status read (a write, so kept apart from the read above). */
export const recordPrinterStatus = defineCommand({
  name: 'recordPrinterStatus',
  summary: "Keep a printer's last status (the printer watch)",
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id: z.int().positive(), state: z.string().max(40), message: z.string().max(2000) }),
  async run({ repos }, { id, state, message }) {
    await repos.printers.recordStatus(id, { state: state as PrinterStatus['state'], message });
    return null;
  },
});

const scopeInput = {
  scope: z.enum(ASSIGNMENT_SCOPES),
  code: idCodeRef.describe("the project's or location's ID code"),
};

async function scopeId(repos: Repositories, scope: 'project' | 'location', code: string) {
  return scope === 'project'
    ? (await findOrFail('project', 'code', code, (c) => repos.projects.findByCode(c))).id
    : (await findOrFail('location', 'code', code, (c) => repos.locations.findByCode(c))).id;
}

export const assignPrinter = defineCommand({
  name: 'assignPrinter',
  summary: "Set the printer a project's or a location's labels go to, and whether they print by themselves",
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    ...scopeInput,
    printer: printerRef,
    autoPrint: z
      .boolean()
      .default(false)
      .describe(
        "print without being asked: a project's tracked builds' unit labels once their units exist; a lot's label when it is received at the location",
      ),
  }),
  async run({ repos, actor }, { scope, code, printer: ref, autoPrint }) {
    const printer = await resolvePrinter(repos, 'printer', ref);
    return repos.printers.assign({
      scope,
      scopeId: await scopeId(repos, scope, code),
      printerId: printer.id,
      autoPrint,
      assignedBy: actor.name,
    });
  },
});

export const unassignPrinter = defineCommand({
  name: 'unassignPrinter',
  summary: "Remove a project's or a location's printer (no default, no automatic printing)",
  role: 'admin',
  mode: 'write',
  input: z.strictObject(scopeInput),
  async run({ repos }, { scope, code }) {
    const removed = await repos.printers.unassign(scope, await scopeId(repos, scope, code));
    if (!removed)
      throw new NotFoundError('printer assignment', code, `${scope} ${code} has no printer`, 'code');
    return { removed: true };
  },
});

export const getPrinterAssignment = defineCommand({
  name: 'getPrinterAssignment',
  summary: "The printer a project's or a location's labels go to",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject(scopeInput),
  async run({ repos }, { scope, code }) {
    const found = await repos.printers.assignment(scope, await scopeId(repos, scope, code));
    if (!found)
      throw new NotFoundError('printer assignment', code, `${scope} ${code} has no printer`, 'code');
    return { ...found, printer: (await repos.printers.findById(found.printerId))!.name };
  },
});
