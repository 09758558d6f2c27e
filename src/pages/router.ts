/**
 * The scan pages: `/id/<code>` (and `/id/<build code>/<serial>`) render the object a label points
 * to, server-side, and `/assets/pages.css` their stylesheet. Pages are a transport like the API:
 * they parse the path, run read commands through `execute` as a viewer, and present the results.
 * A typo in a code (the check character does not match) and a malformed code get a page that says
 * so, with the existing objects the code was probably meant to be; lower case and the O/0, I/L/1
 * confusions are redirected (301) to the canonical upper-case URL.
 *
 * Who may see what (a stranger's public view, a signed-in person's full page and actions) and how
 * sessions start: docs/pages.md "Sign-in" and "What a stranger sees"; src/pages/kit.ts.
 */
import express, { Router, type Request } from 'express';
import { getBuild, getUnit } from '../commands/builds.ts';
import { resolveCode, suggestCodes } from '../commands/codes.ts';
import type { CommandDeps } from '../commands/define.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { CURSOR_PATTERN } from '../domain/page.ts';
import { parseIdCode, type ParsedIdCode } from '../domain/id-code.ts';
import type { CodeTarget, Lot } from '../domain/types.ts';
import { actionRoutes } from './action-routes.ts';
import { ASSETS } from './assets.ts';
import { exportRoutes } from './exports.ts';
import { idPath } from './format.ts';
import { homeRoutes } from './home.ts';
import { listRoutes } from './lists.ts';
import { ok, pageKit, type PageCall, type PagesOptions, type Runner } from './kit.ts';
import {
  badLinkPage,
  lookupPage,
  malformedPage,
  noUnitPage,
  notABuildPage,
  typoPage,
  unknownPage,
  type ProblemPage,
} from './not-found.ts';
import { lotOrDevicePage, objectPage, type Refused } from './object-pages.ts';
import { searchRoutes } from './search.ts';
import { signInRoutes } from './sign-in-routes.ts';
import { stationRoutes } from './station-routes.ts';
import { liveRoutes } from './live-routes.ts';
import { setReplicaReads } from '../request-context.ts';
import { FRESH_COOKIE, cookiesOf, setFreshCookie } from './visitor.ts';

export type { PagesOptions } from './kit.ts';

/** The query's `cursor`, if it is one string. */
function cursorOf(req: Request): string | undefined {
  const cursor = req.query.cursor;
  if (cursor === undefined || cursor === '') return undefined;
  // Checked here, whoever asks: a stranger's public view uses no cursor, but a broken link is one.
  if (typeof cursor !== 'string' || !new RegExp(CURSOR_PATTERN).test(cursor))
    throw ValidationError.field('cursor', 'is not a cursor these pages made');
  return cursor;
}

/** The query string as given (`?…`), to keep it across a redirect to the canonical URL. */
function searchOf(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at);
}

export function pagesRouter(deps: CommandDeps, options: PagesOptions): Router {
  const router = Router();
  // Forms post urlencoded (a note with a photo, multipart: read by its route).
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 }));
  const kit = pageKit(deps, options);
  const { page } = kit;
  // A page is a view for a person, and may be read from the replica a moment behind the primary —
  // except by whoever just changed something: after a POST, their browser reads from the primary
  // for as long as the replica may lag (docs: README "Read replica"). A POST itself, about to act
  // on what it reads, reads the primary.
  const freshSeconds = options.replicaMaxLagMs ? Math.ceil(options.replicaMaxLagMs / 1000) + 1 : 0;
  router.use((req, res, next) => {
    const posting = req.method !== 'GET' && req.method !== 'HEAD';
    setReplicaReads({ all: true, fresh: posting || cookiesOf(req)[FRESH_COOKIE] !== undefined });
    if (freshSeconds > 0 && posting) setFreshCookie(res, freshSeconds, kit.secure);
    next();
  });
  const render = (call: PageCall, target: CodeTarget, cursor: string | undefined, refused: Refused | null) =>
    objectPage(call, target, cursor, refused, options);

  for (const asset of ASSETS)
    router.get(asset.path, (req, res) => {
      // The versioned URL the pages link to never changes content; others are revalidated soon.
      const versioned = req.query.v === asset.version;
      res.setHeader(
        'Cache-Control',
        versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      );
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.type(asset.contentType).send(asset.body);
    });

  // Before /id/<code>/<serial>, which would take `units.csv` or `live` for a serial.
  exportRoutes(router, kit);
  liveRoutes(router, deps, kit);
  router.get(
    '/id',
    page(async (req, { run }) => {
      const typed = typeof req.query.code === 'string' ? req.query.code.trim() : '';
      if (typed === '') return ok(lookupPage());
      // "<build code>/<serial>" (or "#<serial>") opens a unit.
      const unit = /^(.+?)\s*[/#]\s*(\d{1,7})$/.exec(typed);
      const parsed = parseIdCode(unit ? unit[1]! : typed);
      if (!parsed.ok) {
        // The formatted serial printed on a device's label opens the device.
        const device = typed.length <= 100 ? await run(resolveCode, { code: typed }).catch(() => null) : null;
        if (device) return { status: 302, redirect: idPath(device.code) };
        return codeProblem(run, unit ? unit[1]! : typed, parsed);
      }
      return { status: 302, redirect: `${idPath(parsed.code)}${unit ? `/${Number(unit[2])}` : ''}` };
    }),
  );

  router.get(
    '/id/:code',
    page(async (req, call) => {
      const { run } = call;
      const raw = String(req.params.code);
      const parsed = parseIdCode(raw);
      if (!parsed.ok) return codeProblem(run, raw, parsed);
      if (parsed.code !== raw) return { status: 301, redirect: `${idPath(parsed.code)}${searchOf(req)}` };
      const target = await resolve(run, parsed.code);
      if (!target) return unknownPage(parsed.code);
      return render(call, target, cursorOf(req), null);
    }),
  );

  router.get(
    '/id/:code/:serial',
    page(async (req, call) => {
      const { run } = call;
      const raw = String(req.params.code);
      const rawSerial = String(req.params.serial);
      const parsed = parseIdCode(raw);
      if (!parsed.ok) return codeProblem(run, raw, parsed);
      const serial = /^\d{1,7}$/.test(rawSerial) ? Number(rawSerial) : 0;
      if (serial < 1)
        return badLinkPage(
          `'${rawSerial.slice(0, 40)}' is not a serial number: serial numbers are whole numbers from 1.`,
        );
      if (parsed.code !== raw || String(serial) !== rawSerial)
        return { status: 301, redirect: `${idPath(parsed.code)}/${serial}${searchOf(req)}` };
      const target = await resolve(run, parsed.code);
      if (!target) return unknownPage(parsed.code);
      if (target.kind !== 'build') return notABuildPage(target, rawSerial);
      let unit: Lot;
      try {
        unit = await run(getUnit, { code: parsed.code, serial });
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        const build = await run(getBuild, { code: parsed.code });
        return noUnitPage(build.code, serial, build.trackUnits, build.quantity);
      }
      return lotOrDevicePage(call, unit.code, cursorOf(req), null, options);
    }),
  );

  signInRoutes(router, deps, kit, options.publicUrl ?? '');
  actionRoutes(router, deps, kit, options, render);
  homeRoutes(router, kit);
  searchRoutes(router, kit);
  listRoutes(router, kit);
  stationRoutes(router, deps, kit, options);

  // Anything else under /id is a link the pages did not make: still a page, not an API error.
  router.get(
    '/id/*rest',
    page(async () =>
      badLinkPage('There is no page at this address: pages are /id/<code> and /id/<build code>/<serial>.'),
    ),
  );

  return router;
}

async function resolve(run: Runner, code: string): Promise<CodeTarget | null> {
  try {
    return await run(resolveCode, { code });
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

/** A typo or a malformed code: say which, and offer the existing codes it was probably meant to be. */
async function codeProblem(
  run: Runner,
  input: string,
  parsed: Extract<ParsedIdCode, { ok: false }>,
): Promise<ProblemPage> {
  const suggestions = input.length <= 40 ? (await run(suggestCodes, { code: input })).items : [];
  return parsed.problem === 'check'
    ? typoPage(input, suggestions)
    : malformedPage(input, parsed.message, suggestions);
}
