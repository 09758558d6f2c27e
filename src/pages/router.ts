/**
 * The scan pages: `/id/<code>` (and `/id/<build code>/<serial>`) render the object a label points
 * to, server-side, and `/assets/pages.css` their stylesheet. Pages are a transport like the API:
 * they parse the path, run read commands through `execute` as a viewer, and present the results.
 * A typo in a code (the check character does not match) and a malformed code get a page that says
 * so, with the existing objects the code was probably meant to be; lower case and the O/0, I/L/1
 * confusions are redirected (301) to the canonical upper-case URL.
 *
 * Access: with `PAGES_PUBLIC=true` (the default) anyone with the link reads the pages; otherwise an
 * API token of any role is needed, as the HTTP Basic auth password (so a phone's browser can ask
 * for it) or as a Bearer token.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { getDeviceLifecycle } from '../commands/lifecycle.ts';
import { listBuildAttachments, listLotAttachments } from '../commands/attachments.ts';
import { getBuild, getBuildConsumption, getUnit, listBuilds, listUnits } from '../commands/builds.ts';
import { resolveCode, suggestCodes } from '../commands/codes.ts';
import { execute, type Command, type CommandDeps } from '../commands/define.ts';
import { listLotHistory } from '../commands/history.ts';
import { getLocation } from '../commands/locations.ts';
import { getLot, listLots } from '../commands/lots.ts';
import { getPart } from '../commands/parts.ts';
import { getProject } from '../commands/projects.ts';
import { hashToken } from '../commands/tokens.ts';
import { traceBackward, traceForward } from '../commands/trace.ts';
import { DomainError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { parseIdCode, type ParsedIdCode } from '../domain/id-code.ts';
import type { Actor } from '../domain/roles.ts';
import type { CodeTarget, Lot } from '../domain/types.ts';
import type { z } from 'zod';
import { stylesheet } from './assets.ts';
import { UNITS_PER_PAGE, buildPage } from './build.ts';
import { devicePage } from './device.ts';
import { idPath } from './format.ts';
import { layout, type PageContent } from './layout.ts';
import { locationPage } from './location.ts';
import { lotPage } from './lot.ts';
import {
  badLinkPage,
  errorPage,
  lookupPage,
  malformedPage,
  missingPage,
  noUnitPage,
  notABuildPage,
  signInPage,
  typoPage,
  unknownPage,
  type ProblemPage,
} from './not-found.ts';
import { LOTS_PER_PAGE } from './objects.ts';
import { partPage } from './part.ts';
import { BUILDS_PER_PAGE, projectPage } from './project.ts';

export interface PagesOptions {
  /** `PAGES_PUBLIC`: pages open without an API token. */
  public: boolean;
}

/** Who reads a page: always a viewer, whatever role the token (if any) has. */
const PUBLIC_READER: Actor = { name: 'page', role: 'viewer' };

/** History events and attachments shown per page. */
const HISTORY_PER_PAGE = 50;
const ATTACHMENTS_SHOWN = 50;

/**
 * `default-src 'self'` with no inline script or style is all the pages need; also no plugins, no
 * framing, no `<base>` tricks, and forms only to ourselves.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'";

type Outcome = ProblemPage | { redirect: string; status: 301 | 302 };

/** The token in `Authorization`: a Bearer token, or the Basic auth password (or user name alone). */
function presentedToken(req: Request): string | undefined {
  const header = req.get('authorization') ?? '';
  const bearer = /^Bearer\s+(\S{1,200})\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]{1,400})\s*$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return password || user || undefined;
}

/** The query's `cursor`, if it is one string. */
function cursorOf(req: Request): string | undefined {
  const cursor = req.query.cursor;
  return typeof cursor === 'string' && cursor !== '' ? cursor : undefined;
}

/** The query string as given (`?…`), to keep it across a redirect to the canonical URL. */
function searchOf(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at);
}

const ok = (page: PageContent): ProblemPage => ({ status: 200, page });

export function pagesRouter(deps: CommandDeps, options: PagesOptions): Router {
  const router = Router();

  async function reader(req: Request): Promise<Actor | null> {
    if (options.public) return PUBLIC_READER;
    const secret = presentedToken(req);
    if (!secret) return null;
    const token = await deps.uow.read((repos) => repos.tokens.findActiveByHash(hashToken(secret)));
    return token ? { name: `page:token:${token.name}`, role: 'viewer' } : null;
  }

  function send(res: Response, outcome: Outcome): void {
    if ('redirect' in outcome) {
      res.redirect(outcome.status, outcome.redirect);
      return;
    }
    res.status(outcome.status).type('html').send(layout(outcome.page));
  }

  /** Runs a page handler: access, security headers, and an HTML answer for every failure. */
  const page =
    (handler: (req: Request, run: Runner) => Promise<Outcome>): RequestHandler =>
    async (req, res) => {
      res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'same-origin');
      res.setHeader('Cache-Control', options.public ? 'no-cache' : 'private, no-store');
      if (!options.public) res.setHeader('Vary', 'Authorization');
      try {
        const actor = await reader(req);
        if (!actor) {
          res.setHeader('WWW-Authenticate', 'Basic realm="buildtrace pages", charset="UTF-8"');
          const detail = presentedToken(req)
            ? 'The API token is unknown or revoked.'
            : 'This page needs a buildtrace API token.';
          return send(res, signInPage(detail));
        }
        const run: Runner = (command, input) => execute(deps, command, actor, input);
        send(res, await handler(req, run));
      } catch (error) {
        if (error instanceof ValidationError) return send(res, badLinkPage(error.message));
        if (error instanceof NotFoundError) return send(res, missingPage(error.message));
        if (error instanceof DomainError) return send(res, badLinkPage(error.message));
        req.log?.error({ err: error }, 'page failed');
        send(res, errorPage(String(req.id ?? '')));
      }
    };

  router.get(stylesheet.path, (req, res) => {
    // The versioned URL the pages link to never changes content; others are revalidated soon.
    const versioned = req.query.v === stylesheet.version;
    res.setHeader('Cache-Control', versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.type(stylesheet.contentType).send(stylesheet.body);
  });

  router.get(
    '/id',
    page(async (req, run) => {
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
    page(async (req, run) => {
      const raw = String(req.params.code);
      const parsed = parseIdCode(raw);
      if (!parsed.ok) return codeProblem(run, raw, parsed);
      if (parsed.code !== raw) return { status: 301, redirect: `${idPath(parsed.code)}${searchOf(req)}` };
      const target = await resolve(run, parsed.code);
      if (!target) return unknownPage(parsed.code);
      return objectPage(run, target, cursorOf(req));
    }),
  );

  router.get(
    '/id/:code/:serial',
    page(async (req, run) => {
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
      return lotOrDevicePage(run, unit, cursorOf(req));
    }),
  );

  // Anything else under /id is a link the pages did not make: still a page, not an API error.
  router.get(
    '/id/*rest',
    page(async () =>
      badLinkPage('There is no page at this address: pages are /id/<code> and /id/<build code>/<serial>.'),
    ),
  );

  return router;
}

/** Runs a command as the page's reader. */
type Runner = <S extends z.ZodType, R>(command: Command<S, R>, input: unknown) => Promise<R>;

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

async function objectPage(run: Runner, target: CodeTarget, cursor: string | undefined): Promise<ProblemPage> {
  const code = target.code;
  switch (target.kind) {
    case 'lot':
      return lotOrDevicePage(run, await run(getLot, { code }), cursor);
    case 'build': {
      const [build, units, consumption, attachments] = await Promise.all([
        run(getBuild, { code }),
        run(listUnits, { code, limit: UNITS_PER_PAGE, cursor }),
        run(getBuildConsumption, { code }),
        run(listBuildAttachments, { code, limit: ATTACHMENTS_SHOWN }),
      ]);
      return ok(
        buildPage({
          build,
          units: build.trackUnits ? units : null,
          continued: cursor !== undefined,
          consumption: consumption.items,
          attachments,
        }),
      );
    }
    case 'part': {
      const [part, lots] = await Promise.all([
        run(getPart, { code }),
        run(listLots, { part: code, limit: LOTS_PER_PAGE, cursor }),
      ]);
      return ok(partPage({ part, lots, continued: cursor !== undefined }));
    }
    case 'location': {
      const [location, lots] = await Promise.all([
        run(getLocation, { code }),
        run(listLots, { location: code, limit: LOTS_PER_PAGE, cursor }),
      ]);
      return ok(locationPage({ location, lots, continued: cursor !== undefined }));
    }
    case 'project': {
      const [project, builds] = await Promise.all([
        run(getProject, { code }),
        run(listBuilds, { project: code, limit: BUILDS_PER_PAGE, cursor }),
      ]);
      return ok(projectPage({ project, builds, continued: cursor !== undefined }));
    }
  }
}

/** A device (a lot with a serial) gets the device page; any other lot the lot page. */
async function lotOrDevicePage(run: Runner, lot: Lot, cursor: string | undefined): Promise<ProblemPage> {
  const code = lot.code;
  const [trace, history, attachments] = await Promise.all([
    run(traceBackward, { code }),
    run(listLotHistory, { code, order: 'desc', limit: HISTORY_PER_PAGE, cursor }),
    run(listLotAttachments, { code, limit: ATTACHMENTS_SHOWN }),
  ]);
  if (lot.serial !== null) {
    const lifecycle = await run(getDeviceLifecycle, { code });
    return ok(
      devicePage({
        lot: { ...lot, serial: lot.serial },
        trace,
        history,
        attachments,
        heldBy: lifecycle.heldBy,
      }),
    );
  }
  const forward = await run(traceForward, { code, limit: 1 });
  return ok(
    lotPage({ lot, trace, usedIn: { total: forward.total, builds: forward.builds }, history, attachments }),
  );
}
