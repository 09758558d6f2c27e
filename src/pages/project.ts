/** The project page: the BOM a build makes, the part it produces, and its builds. */
import type { Build } from '../domain/builds.ts';
import type { Project } from '../domain/types.ts';
import { codeLink, facts, idPath, nextLink, quantity, statusBadge, when } from './format.ts';
import { html } from './html.ts';
import type { PageContent } from './layout.ts';
import type { Listing } from './sections.ts';

/** Builds listed per project page. */
export const BUILDS_PER_PAGE = 20;

export interface ProjectView {
  project: Project;
  builds: Listing<Build>;
  continued: boolean;
}

export function projectPage(view: ProjectView): PageContent {
  const { project } = view;
  const path = idPath(project.code);
  const body = html`
    <p class="kicker">Project</p>
    <h1>${project.name}</h1>
    ${project.description ? html`<p class="lead text">${project.description}</p>` : null}
    ${facts([
      ['Makes', codeLink(project.producesPartCode)],
      ['Serial format', project.serialFormat],
      ['ID code', html`<span class="code">${project.code}</span>`],
    ])}
    <section id="bom" aria-labelledby="bom-h">
      <h2 id="bom-h">Bill of materials</h2>
      ${
        project.bomIncomplete
          ? html`<div class="problem">
              <p>
                Incomplete: ${quantity(project.bomIncomplete.lines.length)}
                ${project.bomIncomplete.lines.length === 1 ? 'line of the last import was' : 'lines of the last import were'}
                not imported; builds are refused unless they accept it.
              </p>
              <ul>
                ${project.bomIncomplete.lines
                  .slice(0, 20)
                  .map((l) => html`<li>Line ${String(l.line)}: ${l.reason}</li>`)}
              </ul>
            </div>`
          : null
      }
      ${
        project.lines.length > 0
          ? html`<ul class="list">
              ${project.lines.map(
                (l) =>
                  html`<li>
                    ${codeLink(l.partCode, l.partName)}
                    <span class="meta"
                      >× ${quantity(l.quantityPerUnit)} per
                      unit${l.designators.length > 0 ? ` · ${l.designators.join(', ')}` : ''}</span
                    >${l.note ? html`<div class="text meta">${l.note}</div>` : null}
                  </li>`,
              )}
            </ul>`
          : html`<p class="meta">No BOM lines yet.</p>`
      }
    </section>
    <section id="builds" aria-labelledby="builds-h">
      <h2 id="builds-h">Builds</h2>
      ${view.continued ? html`<p class="pager"><a href="${path}">First builds</a></p>` : null}
      ${
        view.builds.items.length > 0
          ? html`<ul class="list">
              ${view.builds.items.map(
                (b) =>
                  html`<li>
                    ${codeLink(b.code)} ${statusBadge(b.status)}
                    <span class="meta">× ${quantity(b.quantity)} · ${when(b.createdAt)}</span>
                  </li>`,
              )}
            </ul>`
          : html`<p class="meta">No builds${view.continued ? ' after these' : ''}.</p>`
      }
      ${nextLink(path, view.builds.nextCursor, `Next ${BUILDS_PER_PAGE} builds`)}
    </section>
  `;
  return { title: project.name, body, canonicalPath: path };
}
