/**
 * What a signed-in person can do on the page a label opens: each action is a plain HTML form that
 * runs one command as the session's actor (a note runs `recordNoteWithPhoto`, which takes the photo
 * a multipart form sent, or none). An action is shown only when the session's role may run its
 * command and the object's state offers it (a shipped device offers a return, not a shipment); the
 * command still decides — a form from an older page is refused with the command's own words.
 *
 * Form fields are named after the command's input fields, so a refusal that names a field is shown
 * next to that field.
 */
import { advanceBuild, completeBuild, scrapUnits } from '../commands/builds.ts';
import { recordNoteWithPhoto, type NotePhoto } from '../commands/attachments.ts';
import type { Command, CommandRunner } from '../commands/define.ts';
import { recordTestResult } from '../commands/history.ts';
import { requestLabels } from '../commands/labels.ts';
import { returnDevice, scrapDevice, shipDevice } from '../commands/lifecycle.ts';
import { adjustLot, moveLot, quarantineLot, releaseLot, splitLot } from '../commands/lots.ts';
import { ValidationError } from '../domain/errors.ts';
import type { DeviceAction } from '../domain/lifecycle.ts';
import { roleAllows, type Role } from '../domain/roles.ts';
import { parseMeasurements } from '../domain/slack-commands.ts';
import { field, postForm, type FieldSpec, type FormState } from './forms.ts';
import { html, type SafeHtml } from './html.ts';
import { filled } from './visitor.ts';

export type ActionTarget = 'device' | 'lot' | 'build';

/** What decides which actions a page offers. */
export interface ActionSubject {
  target: ActionTarget;
  code: string;
  /** Device/lot: the lifecycle moves allowed now; build: its status. */
  allowed: readonly DeviceAction[];
  status: string;
  trackUnits?: boolean;
  /** Printer names (printing is offered when there is one). */
  printers: readonly string[];
}

/** Runs a command as the page's visitor. */
export type ActionRunner = CommandRunner;

export interface PageAction {
  name: string;
  target: ActionTarget;
  title: string;
  submit: string;
  command: Command;
  offered(subject: ActionSubject): boolean;
  fields(subject: ActionSubject): FieldSpec[];
  /** The form sends a file (multipart). */
  multipart?: boolean;
  /** Runs the action; the message the next page shows. `photo`: the file a multipart form sent. */
  run(
    run: ActionRunner,
    code: string,
    form: Record<string, string>,
    photo: NotePhoto | null,
  ): Promise<string>;
}

const whole = (name: string, value: string | undefined) => {
  const text = (value ?? '').trim().replace(/[\s,_]/g, '');
  if (!/^[+-]?\d{1,10}$/.test(text)) throw ValidationError.field(name, 'must be a whole number');
  return Number(text);
};
const printerField = (subject: ActionSubject): FieldSpec => ({
  name: 'printer',
  label: 'Printer',
  type: 'select',
  required: true,
  options: [
    { value: 'default', label: 'The default printer here' },
    ...subject.printers.map((p) => ({ value: p, label: p })),
  ],
});
const reason = (label = 'Reason', required = true): FieldSpec => ({
  name: 'reason',
  label,
  type: 'textarea',
  required,
  maxlength: 500,
});

const printed = (printer: string | undefined, run: { id: number }, one: boolean) =>
  `Label${one ? '' : 's'} sent to ${!printer || printer === 'default' ? 'the default printer' : printer} (label run ${run.id}).`;

export const PAGE_ACTIONS: readonly PageAction[] = [
  {
    name: 'test',
    target: 'device',
    title: 'Record a test result',
    submit: 'Record result',
    command: recordTestResult,
    offered: (s) => !['scrapped', 'disposed', 'cancelled'].includes(s.status),
    fields: () => [
      { name: 'test', label: 'Test', required: true, placeholder: 'functional', maxlength: 100 },
      {
        name: 'passed',
        label: 'Result',
        type: 'select',
        required: true,
        options: [
          { value: 'true', label: 'Pass' },
          { value: 'false', label: 'Fail' },
        ],
      },
      {
        name: 'measurements',
        label: 'Measurements',
        type: 'textarea',
        hint: 'name=value, one per line or comma-separated: vout=3.31, fw=1.4.2',
        maxlength: 4000,
      },
      { name: 'station', label: 'Station', maxlength: 100 },
      { name: 'notes', label: 'Notes', type: 'textarea', maxlength: 2000 },
    ],
    async run(run, code, form) {
      const parsed = parseMeasurements(form.measurements ?? '');
      if (!parsed.ok) throw ValidationError.field('measurements', parsed.problem);
      const result = await run(recordTestResult, {
        code,
        test: form.test ?? '',
        passed: form.passed === 'true',
        measurements: Object.keys(parsed.measurements).length ? parsed.measurements : undefined,
        station: filled(form.station),
        notes: filled(form.notes),
      });
      return `Test result recorded: ${result.test} ${result.passed ? 'passed' : 'failed'}.`;
    },
  },
  {
    name: 'note',
    target: 'device',
    title: 'Add a note or photo',
    submit: 'Add note',
    command: recordNoteWithPhoto,
    multipart: true,
    offered: () => true,
    fields: () => [
      { name: 'text', label: 'Note', type: 'textarea', required: true, maxlength: 5000 },
      {
        name: 'file',
        label: 'Photo',
        type: 'file',
        accept: 'image/*',
        capture: 'environment',
        hint: "Take one with the phone's camera, or choose a file.",
      },
    ],
    async run(run, code, form, photo) {
      const note = await run(recordNoteWithPhoto, { code, text: form.text ?? '', photo });
      return note.attachments.length ? 'Note and photo added.' : 'Note added.';
    },
  },
  {
    name: 'ship',
    target: 'device',
    title: 'Ship',
    submit: 'Ship',
    command: shipDevice,
    offered: (s) => s.allowed.includes('ship'),
    fields: () => [
      { name: 'customer', label: 'Customer', required: true, maxlength: 200 },
      { name: 'order', label: 'Order', maxlength: 100 },
    ],
    async run(run, code, form) {
      await run(shipDevice, { code, customer: form.customer ?? '', order: filled(form.order) });
      return `Shipped to ${form.customer?.trim()}.`;
    },
  },
  {
    name: 'return',
    target: 'device',
    title: 'Receive a return (RMA)',
    submit: 'Record return',
    command: returnDevice,
    offered: (s) => s.allowed.includes('return'),
    fields: () => [{ name: 'rma', label: 'RMA number', required: true, maxlength: 100 }, reason()],
    async run(run, code, form) {
      await run(returnDevice, { code, rma: form.rma ?? '', reason: form.reason ?? '' });
      return `Return recorded under RMA ${form.rma?.trim()}.`;
    },
  },
  {
    name: 'scrap',
    target: 'device',
    title: 'Scrap',
    submit: 'Scrap this device',
    command: scrapDevice,
    offered: (s) => s.allowed.includes('scrap'),
    fields: () => [reason()],
    async run(run, code, form) {
      await run(scrapDevice, { code, reason: form.reason ?? '' });
      return 'Scrapped.';
    },
  },
  ...(['device', 'lot'] as const).flatMap((target): PageAction[] => [
    {
      name: 'quarantine',
      target,
      title: 'Quarantine',
      submit: 'Quarantine',
      command: quarantineLot,
      offered: (s) => s.allowed.includes('quarantine'),
      fields: () => [reason()],
      async run(run, code, form) {
        await run(quarantineLot, { code, reason: form.reason ?? '' });
        return 'Quarantined.';
      },
    },
    {
      name: 'release',
      target,
      title: 'Release from quarantine',
      submit: 'Release',
      command: releaseLot,
      offered: (s) => s.allowed.includes('release'),
      fields: () => [reason('Reason', false)],
      async run(run, code, form) {
        await run(releaseLot, { code, reason: filled(form.reason) });
        return 'Released from quarantine.';
      },
    },
    {
      name: 'print',
      target,
      title: 'Print the label again',
      submit: 'Print label',
      command: requestLabels,
      offered: (s) => s.printers.length > 0,
      fields: (s) => [printerField(s)],
      async run(run, code, form) {
        const labels = await run(requestLabels, {
          lots: [code],
          printer: form.printer ?? 'default',
        });
        return printed(form.printer, labels, true);
      },
    },
  ]),
  {
    name: 'move',
    target: 'lot',
    title: 'Move',
    submit: 'Move',
    command: moveLot,
    offered: (s) => !['consumed', 'scrapped', 'disposed', 'cancelled'].includes(s.status),
    fields: () => [
      { name: 'location', label: 'To location (ID code)', required: true, maxlength: 40, autofocus: false },
    ],
    async run(run, code, form) {
      await run(moveLot, { code, location: form.location ?? '' });
      return `Moved to ${form.location?.trim().toUpperCase()}.`;
    },
  },
  {
    name: 'split',
    target: 'lot',
    title: 'Split',
    submit: 'Split',
    command: splitLot,
    offered: (s) => !['consumed', 'scrapped', 'disposed', 'cancelled'].includes(s.status),
    fields: () => [
      { name: 'quantity', label: 'Quantity to split off', type: 'number', required: true },
      { name: 'location', label: 'To location (ID code)', maxlength: 40 },
      { name: 'note', label: 'Note', type: 'textarea', maxlength: 2000 },
    ],
    async run(run, code, form) {
      const split = await run(splitLot, {
        code,
        quantity: whole('quantity', form.quantity),
        location: filled(form.location),
        note: filled(form.note),
      });
      return `Split off as lot ${split.lot.code}.`;
    },
  },
  {
    name: 'adjust',
    target: 'lot',
    title: 'Adjust the quantity',
    submit: 'Adjust',
    command: adjustLot,
    offered: (s) => !['consumed', 'disposed', 'cancelled'].includes(s.status),
    fields: () => [
      {
        name: 'delta',
        label: 'Change (+ found, − lost)',
        type: 'number',
        required: true,
        inputmode: 'text',
        hint: 'e.g. -3 or +10',
      },
      reason(),
    ],
    async run(run, code, form) {
      const delta = whole('delta', form.delta);
      await run(adjustLot, { code, delta, reason: form.reason ?? '' });
      return `Quantity adjusted by ${delta > 0 ? '+' : ''}${delta}.`;
    },
  },
  {
    name: 'advance',
    target: 'build',
    title: 'Complete the next stage',
    submit: 'Complete stage',
    command: advanceBuild,
    offered: (s) => s.status === 'in_progress',
    fields: () => [{ name: 'comment', label: 'Comment', type: 'textarea', maxlength: 1000 }],
    async run(run, code, form) {
      await run(advanceBuild, { code, comment: filled(form.comment) });
      return 'Stage completion requested: the page shows it once it is done.';
    },
  },
  {
    name: 'complete',
    target: 'build',
    title: 'Complete units',
    submit: 'Complete',
    command: completeBuild,
    offered: (s) => s.status === 'in_progress',
    fields: (s) =>
      s.trackUnits
        ? [
            {
              name: 'serials',
              label: 'Serials',
              maxlength: 2000,
              hint: 'e.g. 1-20,25 — leave empty for the whole build',
            },
          ]
        : [],
    async run(run, code, form) {
      await run(completeBuild, { code, serials: filled(form.serials) });
      return form.serials?.trim()
        ? `Completion of units ${form.serials.trim()} requested.`
        : 'Build completion requested.';
    },
  },
  {
    name: 'scrap-units',
    target: 'build',
    title: 'Scrap units',
    submit: 'Scrap units',
    command: scrapUnits,
    offered: (s) => s.trackUnits === true && ['in_progress', 'completed'].includes(s.status),
    fields: () => [
      { name: 'serials', label: 'Serials', required: true, maxlength: 2000, hint: 'e.g. 3,7-9' },
      reason(),
    ],
    async run(run, code, form) {
      const result = await run(scrapUnits, {
        code,
        serials: form.serials ?? '',
        reason: form.reason ?? '',
      });
      return `${result.scrapped.length} unit${result.scrapped.length === 1 ? '' : 's'} scrapped.`;
    },
  },
  {
    name: 'print',
    target: 'build',
    title: 'Print labels',
    submit: 'Print labels',
    command: requestLabels,
    offered: (s) => s.printers.length > 0 && s.trackUnits === true,
    fields: (s) => [
      printerField(s),
      {
        name: 'serials',
        label: 'Serials',
        maxlength: 2000,
        hint: 'e.g. 1-20,25 — leave empty for every unit',
      },
    ],
    async run(run, code, form) {
      const labels = await run(requestLabels, {
        build: code,
        printer: form.printer ?? 'default',
        serials: filled(form.serials),
      });
      return printed(form.printer, labels, false);
    },
  },
];

/** The action `name` on `target`, if there is one. */
export function findAction(target: ActionTarget, name: string): PageAction | undefined {
  return PAGE_ACTIONS.find((a) => a.target === target && a.name === name);
}

/** The actions this role may take on this subject now. */
export function offeredActions(subject: ActionSubject, role: Role): PageAction[] {
  return PAGE_ACTIONS.filter(
    (a) => a.target === subject.target && roleAllows(role, a.command.role) && a.offered(subject),
  );
}

/** The path an action's form posts to. */
export const actionPath = (code: string, action: string) => `/id/${encodeURIComponent(code)}/do/${action}`;

/** The actions section: one folded form per action (the refused one open, with its problem). */
export function actionsSection(
  subject: ActionSubject,
  role: Role,
  csrf: string,
  refused: { action: string; state: FormState } | null,
): SafeHtml | null {
  const actions = offeredActions(subject, role);
  if (actions.length === 0) return null;
  return html`<section class="actions" aria-labelledby="actions-heading">
    <h2 id="actions-heading">Actions</h2>
    ${actions.map((a) => {
      const state = refused?.action === a.name ? refused.state : null;
      const id = `do-${a.name}`;
      const specs = a.fields(subject);
      return html`<details id="${id}" ${state ? html` open` : null}>
        <summary>${a.title}</summary>
        ${postForm({
          id: `${id}-form`,
          action: actionPath(subject.code, a.name),
          csrf,
          submit: a.submit,
          state,
          multipart: a.multipart ?? false,
          fieldNames: specs.map((f) => f.name),
          body: specs.map((f) => field(id, f, state)),
        })}
      </details>`;
    })}
  </section>`;
}
