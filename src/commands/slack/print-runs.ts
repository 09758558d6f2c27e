/**
 * What Slack renders about printing, read from current state: a print run's message (the run and
 * its printer), a pause notice (from its stored `labels.paused` event, so it says what happened at
 * that moment), and the printer a build's project prints on (for the build message's Print button).
 */
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.ts';
import { PAUSE_STATES, type PauseState, type Printer } from '../../domain/printers.ts';
import { defineCommand } from '../define.ts';
import type { LabelRun } from '../ports.ts';
import { idCodeRef } from '../validation.ts';
import { slackSubjects } from './shared.ts';

export const getPrintRunForSlack = defineCommand({
  name: 'getPrintRunForSlack',
  summary: 'A print run and its printer, as its Slack message shows them (Slack transport only)',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ id: z.int().positive() }),
  async run({ repos }, { id }): Promise<{ run: LabelRun; printer: Printer | null }> {
    const run = await repos.labels.findById(id);
    if (!run) throw new NotFoundError('label run', String(id), `label run ${id} does not exist`, 'id');
    return { run, printer: run.printerId ? await repos.printers.findById(run.printerId) : null };
  },
});

/** The data of a `labels.paused` event that a notice shows (src/commands/printing/states.ts pauseRun). */
const pausedData = z.object({
  run: z.int().positive(),
  printer: z.object({ name: z.string() }).nullable(),
  labels: z.int().min(0),
  printed: z.int().min(0),
  build: z.string().optional(),
  state: z.enum(PAUSE_STATES),
  reason: z.string(),
  message: z.string(),
});

export interface PrintPause {
  event: number;
  run: number;
  printer: string | null;
  labels: number;
  printed: number;
  build: string | null;
  state: PauseState;
  /** "Zebra line 2: out of labels — 120 of 500 printed" */
  reason: string;
  occurredAt: Date;
  /** Whether the run has a message in Slack (with its buttons). */
  hasMessage: boolean;
}

export const getPrintPause = defineCommand({
  name: 'getPrintPause',
  summary: 'What a labels.paused event said, for its Slack notice (Slack transport only)',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ event: z.int().positive() }),
  async run({ repos }, { event: id }): Promise<PrintPause> {
    const event = await repos.events.findById(id);
    const parsed = event?.type === 'labels.paused' ? pausedData.safeParse(event.data) : null;
    if (!event || !parsed?.success)
      throw new NotFoundError('pause', String(id), `event ${id} is not a print run's pause`, 'event');
    const d = parsed.data;
    return {
      event: id,
      run: d.run,
      printer: d.printer?.name ?? null,
      labels: d.labels,
      printed: d.printed,
      build: d.build ?? null,
      state: d.state,
      reason: d.reason,
      occurredAt: event.occurredAt,
      hasMessage: (await repos.slackMessages.findBySubject(slackSubjects.printRun(d.run))) !== null,
    };
  },
});

export const getBuildPrinter = defineCommand({
  name: 'getBuildPrinter',
  summary: "The printer a build's project prints on by default, if any (Slack transport only)",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }): Promise<Printer | null> {
    const build = await repos.builds.findByCode(code);
    const assignment = build ? await repos.printers.assignment('project', build.projectId) : null;
    return assignment ? repos.printers.findById(assignment.printerId) : null;
  },
});

export interface PrinterPlace {
  scope: 'project' | 'location';
  /** The project's ID code and name; for a location, its id (`location 7`). */
  label: string;
  autoPrint: boolean;
}

export const getPrinterPlaces = defineCommand({
  name: 'getPrinterPlaces',
  summary: 'Where a printer is the default, named for people (Slack transport only)',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ id: z.int().positive() }),
  async run({ repos }, { id }): Promise<PrinterPlace[]> {
    const places: PrinterPlace[] = [];
    for (const a of await repos.printers.assignmentsOf(id)) {
      const project = a.scope === 'project' ? await repos.projects.findById(a.scopeId) : null;
      places.push({
        scope: a.scope,
        label: project ? `${project.code} (${project.name})` : `${a.scope} ${a.scopeId}`,
        autoPrint: a.autoPrint,
      });
    }
    return places;
  },
});
