/**
 * The build page: what a build of a project is making — its progress, stages, units (each linking
 * to its device page), the component lots it consumed, and its files.
 */
import type { Attachment, Consumption } from '../commands/ports.ts';
import type { Build, BuildOperation } from '../domain/builds.ts';
import type { Lot } from '../domain/types.ts';
import {
  codeLink,
  facts,
  idPath,
  nextLink,
  quantity,
  serialText,
  statusBadge,
  when,
  who,
  words,
} from './format.ts';
import { html, type SafeHtml } from './html.ts';
import type { PageContent } from './layout.ts';
import { attachmentsSection, type Listing } from './sections.ts';

/** Units listed per build page. */
export const UNITS_PER_PAGE = 100;

export interface BuildView {
  /** What the visitor may do here (after the facts: the first screen). */
  actions?: SafeHtml | null;
  build: Build & { operations: BuildOperation[]; unitCounts: Record<string, number> };
  /** A page of the build's units (tracked builds only). */
  units: Listing<Lot & { serial: number; serialLabel: string | null }> | null;
  /** Whether this page continues the unit list (a cursor was given). */
  continued: boolean;
  consumption: Consumption[];
  attachments: Listing<Attachment>;
}

function bar(label: string, value: number, max: number): SafeHtml {
  return html`<div class="meta">${label}: ${quantity(value)} of ${quantity(max)}</div>
    <progress max="${Math.max(max, 1)}" value="${Math.min(value, max)}">
      ${quantity(value)} of ${quantity(max)}
    </progress>`;
}

export function progressSection(b: BuildView['build']): SafeHtml {
  const counts = Object.entries(b.unitCounts).filter(([, n]) => n > 0);
  return html`<section id="progress" aria-labelledby="progress-h">
    <h2 id="progress-h">Progress</h2>
    ${b.trackUnits ? bar('Units generated', b.unitsGenerated, b.quantity) : null}
    ${bar('Completed', b.unitsCompleted, b.quantity)}
    ${b.unitsScrapped > 0 ? html`<div class="meta">Scrapped: ${quantity(b.unitsScrapped)}</div>` : null}
    ${
      b.unitsCancelled > 0
        ? html`<div class="meta">Cancelled unfinished: ${quantity(b.unitsCancelled)}</div>`
        : null
    }
    ${
      counts.length > 0
        ? html`<p>
            ${counts.map(([status, n], i) => html`${i > 0 ? ' ' : ''}${statusBadge(status)} ${quantity(n)}`)}
          </p>`
        : null
    }
  </section>`;
}

export function stagesSection(b: Build): SafeHtml | null {
  if (b.stages.length === 0) return null;
  return html`<section id="stages" aria-labelledby="stages-h">
    <h2 id="stages-h">Stages</h2>
    <ol class="stages">
      ${b.stages.map(
        (s) =>
          html`<li class="${s.completedAt ? 'done' : 'pending'}">
            <strong>${s.name}</strong>
            ${
              s.completedAt
                ? html`<span class="meta"
                      >done ${when(s.completedAt)}${s.completedBy ? ` · ${who(s.completedBy)}` : ''}</span
                    >
                    ${s.comment ? html`<div class="text">${s.comment}</div>` : null}`
                : html`<span class="meta">not done yet</span>`
            }
          </li>`,
      )}
    </ol>
  </section>`;
}

function unitsSection(view: BuildView, path: string): SafeHtml | null {
  const { units } = view;
  if (!units) return null;
  return html`<section id="units" aria-labelledby="units-h">
    <h2 id="units-h">Units</h2>
    ${view.continued ? html`<p class="pager"><a href="${path}">First units</a></p>` : null}
    ${
      units.items.length > 0
        ? html`<ul class="list">
            ${units.items.map(
              (u) =>
                html`<li>
                  ${codeLink(u.code, serialText(u.serial, u.serialLabel))} ${statusBadge(u.status)}
                  <span class="meta code">${u.code}</span>
                </li>`,
            )}
          </ul>`
        : html`<p class="meta">No units yet.</p>`
    }
    ${nextLink(path, units.nextCursor, `Next ${UNITS_PER_PAGE} units`)}
  </section>`;
}

function consumptionSection(items: Consumption[]): SafeHtml {
  return html`<section id="components" aria-labelledby="components-h">
    <h2 id="components-h">Component lots</h2>
    ${
      items.length > 0
        ? html`<ul class="list" id="component-lots">
            ${items.map(
              (c) =>
                html`<li>
                  <div>${codeLink(c.lotCode, c.partName)}</div>
                  <div class="meta">
                    lot <span class="code">${c.lotCode}</span> · ${quantity(c.quantity)}
                    used${
                      c.returned > 0 ? ` · ${quantity(c.returned)} returned` : ''
                    }${c.serial !== null ? ` · serial #${c.serial}` : ''}${c.sourceBuildCode ? html` · build ${codeLink(c.sourceBuildCode)}` : null}
                  </div>
                  ${
                    c.supplier || c.dateCode
                      ? html`<div class="meta">
                          ${[
                            c.supplier,
                            c.supplierOrder ? `order ${c.supplierOrder}` : null,
                            c.dateCode ? `date code ${c.dateCode}` : null,
                          ]
                            .filter((x): x is string => !!x)
                            .join(' · ')}
                        </div>`
                      : null
                  }
                </li>`,
            )}
          </ul>`
        : html`<p class="meta">Nothing consumed yet.</p>`
    }
  </section>`;
}

export function buildPage(view: BuildView): PageContent {
  const b = view.build;
  const path = idPath(b.code);
  const body = html`
    <p class="kicker">Build</p>
    <h1>${b.projectName}</h1>
    <p class="lead">
      ${quantity(b.quantity)} units · build <span class="code">${b.code}</span> ${statusBadge(b.status)}
    </p>
    ${b.startError && b.status === 'planned' ? html`<p class="problem">Could not start: ${b.startError.message}</p>` : null}
    ${facts([
      ['Status', statusBadge(b.status)],
      [
        'Project',
        html`${codeLink(b.projectCode, b.projectName)} <span class="meta code">${b.projectCode}</span>`,
      ],
      ['Makes', codeLink(b.producedPartCode)],
      ['Quantity', quantity(b.quantity)],
      ['Units', b.trackUnits ? 'tracked one by one (serial numbers)' : 'one lot of stock'],
      ['Created', html`${when(b.createdAt)} · ${who(b.createdBy)}`],
      ['Started', when(b.startedAt)],
      ['Completed', when(b.completedAt)],
      ['Cancelled', when(b.cancelledAt)],
      ['Note', b.note],
      ['ID code', html`<span class="code">${b.code}</span>`],
    ])}
    <p id="exports">
      Download as CSV: ${b.trackUnits ? html`<a href="${path}/units.csv">units</a> · ` : null}<a
        href="${path}/consumption.csv"
        >component lots</a
      >
    </p>
    ${view.actions ?? null} ${progressSection(b)} ${stagesSection(b)} ${unitsSection(view, path)}
    ${consumptionSection(view.consumption)} ${attachmentsSection(view.attachments)}
    ${
      b.operations.some((o) => o.status === 'failed')
        ? html`<section id="operations">
            <h2>Failed requests</h2>
            <ul class="list">
              ${b.operations
                .filter((o) => o.status === 'failed')
                .map(
                  (o) =>
                    html`<li>
                      <strong>${words(o.kind)}</strong>
                      <span class="meta">${when(o.createdAt)} · ${who(o.requestedBy)}</span>
                      <div class="text">${o.error ?? ''}</div>
                    </li>`,
                )}
            </ul>
          </section>`
        : null
    }
  `;
  return { title: `Build ${b.code} · ${b.projectName}`, body, canonicalPath: path };
}
