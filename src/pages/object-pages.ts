/**
 * The page of the object a code names, as the visitor may see it: in full with the actions their
 * role offers (signed in, or an API token), or the public view a stranger who scans a shipped
 * device gets — product, serial, status and the links the owner publishes (`PAGES_PUBLIC_LINKS`),
 * never customers, orders, suppliers, lots, history or files.
 */
import { listBuildAttachments } from '../commands/attachments.ts';
import { getBuild, getBuildConsumption, listBuilds, listUnits } from '../commands/builds.ts';
import { getLocation } from '../commands/locations.ts';
import { getLotPage } from '../commands/lot-page.ts';
import { getLot, listLots } from '../commands/lots.ts';
import { getPart } from '../commands/parts.ts';
import { listPrinters } from '../commands/printers.ts';
import { getProject } from '../commands/projects.ts';
import type { CodeTarget, Lot } from '../domain/types.ts';
import { liveScript } from './assets.ts';
import { actionsSection, type ActionSubject, type ActionTarget } from './actions.ts';
import { UNITS_PER_PAGE, buildPage } from './build.ts';
import { devicePage } from './device.ts';
import type { FormState } from './forms.ts';
import { idPath, serialText, statusBadge, words } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { ok, type PageCall, type PagesOptions } from './kit.ts';
import type { PageContent } from './layout.ts';
import { locationPage } from './location.ts';
import { lotPage } from './lot.ts';
import type { ProblemPage } from './not-found.ts';
import { LOTS_PER_PAGE } from './objects.ts';
import { partPage } from './part.ts';
import { BUILDS_PER_PAGE, projectPage } from './project.ts';

/** History events and attachments shown per page. */
const HISTORY_PER_PAGE = 50;
const ATTACHMENTS_SHOWN = 50;

/** A post that was refused: which action, and what its form held. */
export interface Refused {
  action: string;
  state: FormState;
  status: number;
}

async function actionsFor(
  call: PageCall,
  subject: Omit<ActionSubject, 'printers'>,
  refused: Refused | null,
): Promise<SafeHtml | null> {
  const { visitor, run } = call;
  if (!visitor.session) return null;
  const printers = (await run(listPrinters, { limit: 50 })).items.filter((p) => p.enabled).map((p) => p.name);
  return actionsSection({ ...subject, printers }, visitor.actor.role, visitor.csrf, refused);
}

export async function objectPage(
  call: PageCall,
  target: CodeTarget,
  cursor: string | undefined,
  refused: Refused | null,
  options: PagesOptions,
): Promise<ProblemPage> {
  const { run, visitor } = call;
  const code = target.code;
  if (target.kind === 'lot') return lotOrDevicePage(call, code, cursor, refused, options);
  if (!visitor.full) return signInToSee(target);
  switch (target.kind) {
    case 'build': {
      const [build, units, consumption, attachments] = await Promise.all([
        run(getBuild, { code }),
        run(listUnits, { code, limit: UNITS_PER_PAGE, cursor }),
        run(getBuildConsumption, { code }),
        run(listBuildAttachments, { code, limit: ATTACHMENTS_SHOWN }),
      ]);
      const actions = await actionsFor(
        call,
        { target: 'build', code, allowed: [], status: build.status, trackUnits: build.trackUnits },
        refused,
      );
      const page = buildPage({
        actions,
        build,
        units: build.trackUnits ? units : null,
        continued: cursor !== undefined,
        consumption: consumption.items,
        attachments,
      });
      // Progress that can still change is followed live where JavaScript runs.
      const live = ['completed', 'cancelled'].includes(build.status)
        ? null
        : html`<div data-live="${idPath(code)}/live" hidden></div>
            <script src="${liveScript.url}" defer></script>`;
      return { status: refused?.status ?? 200, page: { ...page, body: html`${page.body}${live}` } };
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
export async function lotOrDevicePage(
  call: PageCall,
  code: string,
  cursor: string | undefined,
  refused: Refused | null,
  options: PagesOptions,
): Promise<ProblemPage> {
  const { run, visitor } = call;
  if (!visitor.full) {
    const lot = await run(getLot, { code });
    if (lot.serial === null) return signInToSee({ kind: 'lot', code, label: '' } as CodeTarget);
    const part = await run(getPart, { code: lot.partCode });
    return ok(publicDevicePage(lot as Lot & { serial: number }, part.name, options.publicLinks ?? []));
  }
  const read = await run(getLotPage, {
    code,
    cursor,
    historyLimit: HISTORY_PER_PAGE,
    attachmentsLimit: ATTACHMENTS_SHOWN,
  });
  const { trace, history, attachments, lifecycle } = read;
  const target: ActionTarget = read.lot.serial !== null ? 'device' : 'lot';
  const actions = await actionsFor(
    call,
    { target, code, allowed: lifecycle.allowed, status: read.lot.status },
    refused,
  );
  const status = refused?.status ?? 200;
  if (read.lot.serial !== null)
    return {
      status,
      page: devicePage({
        actions,
        lot: { ...read.lot, serial: read.lot.serial },
        trace,
        history,
        attachments,
        heldBy: lifecycle.heldBy,
        stage: read.stage,
        perDevice: new Map(
          read.perDevice.map((l) => [l.partCode, { quantity: l.quantity, designators: l.designators }]),
        ),
      }),
    };
  return {
    status,
    page: lotPage({ actions, lot: read.lot, trace, usedIn: read.usedIn!, history, attachments }),
  };
}

/** What a stranger sees of a device: what it is and whether it is in order, nothing of who has it. */
function publicDevicePage(
  lot: Lot & { serial: number },
  partName: string,
  links: readonly { title: string; url: string }[],
): PageContent {
  const serial = serialText(lot.serial, lot.serialLabel);
  return {
    title: `${partName} ${serial}`,
    canonicalPath: idPath(lot.code),
    body: html`<p class="kicker">Device</p>
      <h1>${partName}</h1>
      <p class="lead">Serial <strong>${serial}</strong> ${statusBadge(lot.status)}</p>
      ${
        links.length
          ? html`<ul class="public-links" id="public-links">
              ${links.map((l) => html`<li><a href="${l.url}" rel="noopener noreferrer">${l.title}</a></li>`)}
            </ul>`
          : null
      }
      <p class="meta" id="public-note">
        This is what anyone who scans this label sees. Its history, where it was built from and where it went
        are shown to signed-in people:
        <a href="/signin?next=${encodeURIComponent(idPath(lot.code))}">sign in</a>.
      </p>`,
  };
}

/** Anything but a device, for a stranger: what kind of thing it is, and how to see more. */
function signInToSee(target: CodeTarget): ProblemPage {
  return ok({
    title: `${words(target.kind)} ${target.code}`,
    body: html`<p class="kicker">${words(target.kind)}</p>
      <h1 class="code">${target.code}</h1>
      <p id="public-note">
        This ${words(target.kind)} is shown to signed-in people only:
        <a href="/signin?next=${encodeURIComponent(idPath(target.code))}">sign in</a>.
      </p>`,
  });
}
