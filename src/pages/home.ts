/** `/`: the home page — find something, open a station, and the recent builds with their progress. */
import type { Router } from 'express';
import { listBuilds } from '../commands/builds.ts';
import { codeLink, quantity, statusBadge, when } from './format.ts';
import { html } from './html.ts';
import { ok, type PageKit } from './kit.ts';
import { lookupForm } from './layout.ts';
import { searchForm } from './search.ts';

export function homeRoutes(router: Router, kit: PageKit): void {
  router.get(
    '/',
    kit.open(async (_req, { run, visitor }) => {
      if (!visitor.full)
        return ok({
          title: 'buildtrace',
          body: html`<h1>buildtrace</h1>
            <p>Scan a label, or type the code printed under it.</p>
            ${lookupForm('', 'lookup-main')}
            <p><a href="/signin">Sign in</a> to see builds, stock and history, and to record work.</p>`,
        });
      const builds = await run(listBuilds, { limit: 20, status: 'in_progress' });
      return ok({
        title: 'Home',
        body: html`<h1>buildtrace</h1>
          ${searchForm('', 'search-main')}
          <nav class="lists" aria-label="Lists">
            <a href="/builds">Builds</a> · <a href="/lots">Lots</a> · <a href="/devices">Devices</a>
          </nav>
          ${visitor.session ? html`<p><a class="button" href="/station">Open a scan station</a></p>` : null}
          <h2 id="builds-heading">Builds in progress</h2>
          <ul class="builds" aria-labelledby="builds-heading" id="recent-builds">
            ${builds.items.map(
              (b) =>
                html`<li>
                  ${codeLink(b.code)} ${b.projectName} · ${quantity(b.unitsCompleted)} of
                  ${quantity(b.quantity)} done ${statusBadge(b.status)}
                  <progress
                    max="${b.quantity}"
                    value="${b.unitsCompleted}"
                    aria-label="${b.code} completed units"
                  ></progress>
                  <span class="meta">started ${when(b.createdAt)}</span>
                </li>`,
            )}
          </ul>`,
      });
    }),
  );
}
