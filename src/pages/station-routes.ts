/**
 * The scan stations: `/station` (choose), `/station/<flow>` (the page), and its posts — a scan,
 * the settings, shipping the open shipment, a new tally. Each scan is `recordStationScan`
 * (src/commands/stations.ts) run as the session's actor with what the station remembers; its answer
 * is counted in the station's tally, kept with the session (a reload, or the phone locking, loses
 * nothing). A refused scan is a red line with the command's own words; nothing is half done. These
 * routes only read the form, run the command, save the station and show it.
 */
import { pipeline } from 'node:stream/promises';
import type { Request, Router } from 'express';
import type { CommandDeps } from '../commands/define.ts';
import { execute } from '../commands/define.ts';
import { listPrinters } from '../commands/printers.ts';
import { saveStation } from '../commands/sessions.ts';
import { downloadPackingListCsv, downloadPackingListPdf } from '../commands/packing-list.ts';
import { getShipment, openShipment, shipShipment } from '../commands/shipments.ts';
import { scanAtStation } from '../commands/stations.ts';
import { DomainError, ValidationError } from '../domain/errors.ts';
import { roleAllows, SYSTEM_ACTOR } from '../domain/roles.ts';
import {
  STATION_FLOWS,
  newStation,
  tallied,
  type StationFlow,
  type StationState,
} from '../domain/sessions.ts';
import { assertStationSettings } from '../domain/stations.ts';
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
      const scanned = await scanAtStation(call.run, {
        flow,
        scan: form.scan ?? '',
        settings: state.settings,
        pending: state.pending,
      });
      const next = tallied(
        { ...state, pending: scanned.pending },
        { ok: scanned.ok, code: scanned.code, text: scanned.message, at: new Date().toISOString() },
      );
      const status = scanned.ok ? 303 : 422;
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
        assertStationSettings(flow, settings);
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
