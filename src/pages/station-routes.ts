/**
 * The scan stations: `/station` (choose), `/station/<flow>` (the page), and its posts — a scan,
 * the settings, shipping the open shipment, a new tally. Each scan runs the workflow's command as
 * the session's actor and is counted in the station's tally, kept with the session (a reload, or
 * the phone locking, loses nothing). A refused scan is a red line with the command's own words;
 * nothing is half done: every scan is one command, or none.
 */
import { pipeline } from 'node:stream/promises';
import type { Request, Router } from 'express';
import { resolveCode } from '../commands/codes.ts';
import { getUnit } from '../commands/builds.ts';
import type { CommandDeps } from '../commands/define.ts';
import { execute } from '../commands/define.ts';
import { recordRepair, recordTestResult } from '../commands/history.ts';
import { addIdentifier } from '../commands/identifiers.ts';
import { requestLabels } from '../commands/labels.ts';
import { getLot } from '../commands/lots.ts';
import { listPrinters } from '../commands/printers.ts';
import { receiveSupplierScan } from '../commands/receiving.ts';
import { saveStation } from '../commands/sessions.ts';
import { downloadPackingListCsv, downloadPackingListPdf } from '../commands/packing-list.ts';
import { addToShipment, getShipment, openShipment, shipShipment } from '../commands/shipments.ts';
import { DomainError, ValidationError } from '../domain/errors.ts';
import { guessIdentifierKind } from '../domain/identifiers.ts';
import { roleAllows, SYSTEM_ACTOR } from '../domain/roles.ts';
import { parseScan } from '../domain/scans.ts';
import {
  STATION_FLOWS,
  newStation,
  tallied,
  type StationEntry,
  type StationFlow,
  type StationState,
} from '../domain/sessions.ts';
import { parseMeasurements } from '../domain/slack-commands.ts';
import type { Lot } from '../domain/types.ts';
import {
  ok,
  streamed,
  type Outcome,
  type PageCall,
  type PageKit,
  type PagesOptions,
  type Runner,
} from './kit.ts';
import { signInPage } from './not-found.ts';
import { refusedPage } from './sign-in.ts';
import { FORGED } from './sign-in-routes.ts';
import { settingsFields, stationChoicePage, stationPage } from './station.ts';
import { csrfMatches, filled, formFields, sameOrigin } from './visitor.ts';

const isFlow = (flow: string): flow is StationFlow => (STATION_FLOWS as readonly string[]).includes(flow);
const unknownFlow = (flow: string) =>
  refusedPage(404, 'No such station', `There is no “${flow.slice(0, 30)}” station.`, '/station');

/** The device or lot a scan names (a label's URL, a code, a formatted serial, or build/serial). */
async function scannedLot(run: Runner, text: string): Promise<Lot> {
  const scan = parseScan(text);
  if (scan.kind === 'empty') throw ValidationError.field('scan', 'is empty: scan a label');
  if (scan.kind === 'object' && scan.serial !== null)
    return run(getUnit, { code: scan.code, serial: scan.serial });
  const target = await run(resolveCode, {
    code: scan.kind === 'object' ? scan.code : scan.text.slice(0, 100),
  });
  if (target.kind !== 'lot')
    throw ValidationError.field('scan', `${target.code} is a ${target.kind}, not a unit or a lot`);
  return run(getLot, { code: target.code });
}

const named = (lot: Lot) =>
  lot.serialLabel ?? (lot.serial !== null ? `${lot.code} #${lot.serial}` : lot.code);

interface Scanned {
  entry: Omit<StationEntry, 'at'>;
  state?: Partial<StationState>;
}

/** One scan of one workflow: what the tally says, and what the station remembers. */
async function handleScan(run: Runner, state: StationState, text: string): Promise<Scanned> {
  const s = state.settings;
  switch (state.flow) {
    case 'test': {
      if (!s.test) throw ValidationError.field('scan', 'choose the test in the station settings first');
      const unit = await scannedLot(run, text);
      const measured = parseMeasurements(s.measurements ?? '');
      const result = await run(recordTestResult, {
        code: unit.code,
        test: s.test,
        passed: s.passed !== 'false',
        station: filled(s.station),
        measurements:
          measured.ok && Object.keys(measured.measurements).length ? measured.measurements : undefined,
      });
      return {
        entry: {
          ok: true,
          code: unit.code,
          text: `${named(unit)}: ${result.test} ${result.passed ? 'passed' : 'failed'}`,
        },
      };
    }
    case 'ship': {
      if (!s.shipment) throw ValidationError.field('scan', 'open a shipment in the station settings first');
      const unit = await scannedLot(run, text);
      const added = await run(addToShipment, { shipment: Number(s.shipment), unit: unit.code });
      return {
        entry: {
          ok: true,
          code: unit.code,
          text: added.already
            ? `${named(unit)} is in this shipment already (${added.count} units)`
            : `${named(unit)} packed (${added.count} unit${added.count === 1 ? '' : 's'})`,
        },
      };
    }
    case 'install': {
      const lot = await scannedLot(run, text);
      if (!state.pending)
        return {
          entry: { ok: true, code: lot.code, text: `${named(lot)}: now scan the device it goes into` },
          state: { pending: { code: lot.code, label: named(lot) } },
        };
      const module = state.pending;
      const assembly = s.mode !== 'repair';
      await run(recordRepair, {
        code: lot.code,
        symptom: assembly ? 'assembly step' : 'module replaced at the repair station',
        action: `fitted ${module.label}`,
        replacements: [{ installed: module.code, quantity: 1 }],
      });
      return {
        entry: { ok: true, code: lot.code, text: `${module.label} installed in ${named(lot)}` },
        state: { pending: null },
      };
    }
    case 'identify': {
      if (!state.pending) {
        const unit = await scannedLot(run, text);
        if (unit.serial === null)
          throw ValidationError.field('scan', `${unit.code} is a lot, not a unit: scan a unit`);
        return {
          entry: { ok: true, code: unit.code, text: `${named(unit)}: now scan its identifier` },
          state: { pending: { code: unit.code, label: named(unit) } },
        };
      }
      const value = text.trim();
      const kind = s.kind || guessIdentifierKind(value);
      if (!kind)
        throw ValidationError.field(
          'scan',
          `cannot tell what '${value.slice(0, 40)}' is: choose the identifier in the settings`,
        );
      const added = await run(addIdentifier, { code: state.pending.code, kind, value });
      return {
        entry: {
          ok: true,
          code: state.pending.code,
          text: `${state.pending.label}: ${added.identifier.kind} ${added.identifier.value}${added.created ? '' : ' (had it already)'}`,
        },
        state: { pending: null },
      };
    }
    case 'receive': {
      const received = await run(receiveSupplierScan, { scan: text, location: filled(s.location) });
      const lot = received.lot;
      let printed = '';
      if (s.printer) {
        const labels = await run(requestLabels, { lots: [lot.code], printer: s.printer });
        printed = `; label sent to ${s.printer} (run ${labels.id})`;
      }
      return {
        entry: {
          ok: true,
          code: lot.code,
          text: `lot ${lot.code}: ${lot.quantity} × ${received.parsed.mpn ?? lot.partCode}${printed}`,
        },
      };
    }
  }
}

export function stationRoutes(router: Router, deps: CommandDeps, kit: PageKit, options: PagesOptions): void {
  /** The station's session, or the answer for a visitor who has none. */
  const signedIn = (call: PageCall, req: Request) =>
    call.visitor.session ? null : signInPage('A scan station needs you to sign in.', req.originalUrl);
  const save = (call: PageCall, station: StationState | null) =>
    execute(deps, saveStation, SYSTEM_ACTOR, { session: call.visitor.session!.id, station });
  const stateFor = (call: PageCall, flow: StationFlow): StationState => {
    const saved = call.visitor.session?.station;
    return saved && saved.flow === flow ? saved : newStation(flow);
  };
  const printersOf = async (run: Runner) =>
    (await run(listPrinters, { limit: 50 })).items.filter((p) => p.enabled).map((p) => p.name);

  async function render(
    call: PageCall,
    flow: StationFlow,
    state: StationState,
    status = 200,
    settingsProblem: { field: string; message: string; values: Record<string, string> } | null = null,
  ): Promise<Outcome> {
    const shipment =
      flow === 'ship' && state.settings.shipment
        ? await call.run(getShipment, { shipment: Number(state.settings.shipment) }).catch(() => null)
        : null;
    return {
      status,
      page: stationPage({
        flow,
        state,
        csrf: call.visitor.csrf,
        printers: await printersOf(call.run),
        shipment: shipment && shipment.status === 'open' ? shipment : null,
        packingList:
          shipment && shipment.status === 'open'
            ? { id: shipment.id, number: shipment.number }
            : state.settings.lastShipment
              ? { id: Number(state.settings.lastShipment), number: state.settings.lastNumber ?? '' }
              : null,
        settingsProblem,
      }),
    };
  }

  /** A station post: signed in, from our page, a known workflow, allowed for the role. */
  const post = (
    handler: (
      req: Request,
      call: PageCall,
      flow: StationFlow,
      form: Record<string, string>,
    ) => Promise<Outcome>,
  ) =>
    kit.open(async (req, call) => {
      const refused = signedIn(call, req);
      if (refused) return refused;
      const flow = String(req.params.flow);
      if (!isFlow(flow)) return unknownFlow(flow);
      const form = formFields(req);
      if (!sameOrigin(req, options.publicUrl ?? '') || !csrfMatches(call.visitor.csrf, form._csrf))
        return refusedPage(403, 'Not done', FORGED, `/station/${flow}`);
      if (!roleAllows(call.visitor.actor.role, 'operator'))
        return refusedPage(
          403,
          'Not allowed',
          `Scan stations need the operator role; you are signed in as ${call.visitor.actor.role}.`,
          '/',
        );
      return handler(req, call, flow, form);
    });

  router.get(
    '/station',
    kit.open(async (req, call) => {
      const refused = signedIn(call, req);
      if (refused) return refused;
      const saved = call.visitor.session!.station;
      return saved ? { status: 302, redirect: `/station/${saved.flow}` } : ok(stationChoicePage());
    }),
  );

  router.get(
    '/station/:flow',
    kit.open(async (req, call) => {
      const refused = signedIn(call, req);
      if (refused) return refused;
      const flow = String(req.params.flow);
      if (!isFlow(flow)) return unknownFlow(flow);
      return render(call, flow, stateFor(call, flow));
    }),
  );

  router.post(
    '/station/:flow/scan',
    post(async (_req, call, flow, form) => {
      const state = stateFor(call, flow);
      const at = new Date().toISOString();
      let next: StationState;
      let status = 303;
      try {
        const scanned = await handleScan(call.run, state, form.scan ?? '');
        next = tallied({ ...state, ...scanned.state }, { ...scanned.entry, at });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const message =
          error instanceof ValidationError && error.problems[0] ? error.problems[0].message : error.message;
        next = tallied(state, {
          ok: false,
          code: null,
          text: `${(form.scan ?? '').trim().slice(0, 60)}: ${message}`,
          at,
        });
        status = 422;
      }
      await save(call, next);
      // The answer is the station again: a redirect when all went well (a reload does not scan
      // twice), the page itself with its status when the scan was refused.
      return status === 303
        ? { status: 303, redirect: `/station/${flow}` }
        : render(call, flow, next, status);
    }),
  );

  router.post(
    '/station/:flow/settings',
    post(async (_req, call, flow, form) => {
      const state = stateFor(call, flow);
      const names = settingsFields(flow, []).map((f) => f.name);
      const settings: Record<string, string> = {};
      for (const name of names)
        if (form[name] !== undefined) settings[name] = form[name].trim().slice(0, 2_000);
      try {
        if (flow === 'test') {
          if (!settings.test)
            throw ValidationError.field('test', 'is required: the test this station records');
          const measured = parseMeasurements(settings.measurements ?? '');
          if (!measured.ok) throw ValidationError.field('measurements', measured.problem);
        }
        if (flow === 'ship') {
          const opened = await call.run(openShipment, {
            customer: settings.customer ?? '',
            order: filled(settings.order),
          });
          settings.shipment = String(opened.id);
        }
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const problem =
          error instanceof ValidationError && error.problems[0]
            ? { field: error.problems[0].field, message: error.problems[0].message }
            : { field: '(form)', message: error.message };
        return render(call, flow, state, 400, { ...problem, values: settings });
      }
      await save(call, { ...state, settings: { ...state.settings, ...settings }, pending: null });
      return { status: 303, redirect: `/station/${flow}` };
    }),
  );

  router.post(
    '/station/:flow/finish',
    post(async (_req, call, flow) => {
      const state = stateFor(call, flow);
      if (flow !== 'ship' || !state.settings.shipment)
        return refusedPage(400, 'Not done', 'There is no open shipment at this station.', `/station/${flow}`);
      const at = new Date().toISOString();
      let next: StationState;
      try {
        const shipped = await call.run(shipShipment, { shipment: Number(state.settings.shipment) });
        const { shipment: _, ...rest } = state.settings;
        const settings = { ...rest, lastShipment: String(shipped.id), lastNumber: shipped.number };
        next = tallied(
          { ...state, settings },
          {
            ok: true,
            code: null,
            text: `${shipped.number} shipped: ${shipped.count} units to ${shipped.customer}`,
            at,
          },
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        next = tallied(state, { ok: false, code: null, text: error.message, at });
      }
      await save(call, next);
      return { status: 303, redirect: '/station/ship' };
    }),
  );

  // The packing list to put in the box: signed-in readers, as the API's download.
  router.get(
    '/station/ship/packing-list/:file',
    kit.open(async (req, call, res) => {
      const refused = signedIn(call, req);
      if (refused) return refused;
      const file = /^(\d{1,12})\.(pdf|csv)$/.exec(String(req.params.file));
      if (!file)
        return refusedPage(404, 'No such file', 'A packing list is <id>.pdf or <id>.csv.', '/station/ship');
      const list = await call.run(file[2] === 'pdf' ? downloadPackingListPdf : downloadPackingListCsv, {
        shipment: Number(file[1]),
      });
      res.attachment(list.filename);
      res.setHeader('Content-Type', list.contentType);
      res.setHeader('Content-Length', String(list.bytes));
      await pipeline(list.stream, res);
      return streamed();
    }),
  );

  router.post(
    '/station/:flow/reset',
    post(async (_req, call, flow) => {
      const state = stateFor(call, flow);
      await save(call, { ...newStation(flow), settings: state.settings });
      return { status: 303, redirect: `/station/${flow}` };
    }),
  );
}
