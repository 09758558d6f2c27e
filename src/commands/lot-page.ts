/**
 * What the page a lot's label opens shows, read in one command: the lot found once, then what the
 * page needs of it side by side (a read runs outside a transaction, so each read has its own pooled
 * connection). The page used to run ten read commands that each found the lot again; this is the
 * read model of that page, built from the same functions those commands answer with.
 */
import { z } from 'zod';
import { defineCommand } from './define.ts';
import { lotTimeline } from './history/timeline.ts';
import { lifecycleOf } from './lifecycle.ts';
import { findLot } from './lookup.ts';
import { traceBackFrom } from './trace.ts';
import { lotRef, pageQuery } from './validation.ts';

export const getLotPage = defineCommand({
  name: 'getLotPage',
  summary:
    "What a lot's or device's page shows, read together: the lot, its trace back, its newest history, its files and the actions its state allows; for a device its build's stages and the BOM's per-device quantities and designators, for other lots the builds that used it",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({
    code: lotRef,
    cursor: pageQuery.shape.cursor.describe("the history's `nextCursor` of the previous page"),
    historyLimit: z.coerce.number().int().min(1).max(500).default(50),
    attachmentsLimit: z.coerce.number().int().min(1).max(500).default(50),
  }),
  async run({ repos }, { code, cursor, historyLimit, attachmentsLimit }) {
    const lot = await findLot(repos, 'code', code);
    const device = lot.serial !== null;
    const [trace, history, attachments, lifecycle, stages, lines, usedIn] = await Promise.all([
      traceBackFrom(repos, lot.id),
      lotTimeline(repos, lot.id, {}, { order: 'desc', limit: historyLimit, cursor }),
      repos.attachments.listForLot(lot.id, { includeEvents: true }, { limit: attachmentsLimit }),
      lifecycleOf(repos, lot),
      device && lot.buildId !== null ? repos.builds.stagesOf(lot.buildId) : [],
      device && lot.buildId !== null ? repos.projects.linesOfBuild(lot.buildId) : [],
      device ? null : repos.trace.forward(lot.id, {}, { limit: 1 }),
    ]);
    const next = stages.find((s) => s.completedAt === null);
    return {
      lot,
      trace,
      history,
      attachments,
      lifecycle,
      /** A device's build stage: the next to complete, or done; null without stages. */
      stage: !stages.length
        ? null
        : next
          ? { name: next.name, position: next.position, of: stages.length }
          : ({ done: true } as const),
      /** A device's BOM, per device: quantity and designators by part code. */
      perDevice: lines.map((l) => ({
        partCode: l.partCode,
        quantity: l.quantityPerUnit,
        designators: l.designators,
      })),
      /** For a lot that is not a device: how many devices and which builds used it. */
      usedIn: usedIn ? { total: usedIn.total, builds: usedIn.builds } : null,
    };
  },
});
