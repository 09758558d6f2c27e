/**
 * The device page: what a service technician needs after scanning a unit's label — part, build,
 * serial, status, where it is, its history and files, and the component lots it was built from.
 */
import type { HistoryItem } from '../commands/history.ts';
import type { Attachment } from '../commands/ports.ts';
import type { TraceNode } from '../commands/trace.ts';
import type { Lot } from '../domain/types.ts';
import {
  codeLink,
  facts,
  freeFields,
  idPath,
  maybeCodeLink,
  serialText,
  statusBadge,
  when,
} from './format.ts';
import { html, type SafeHtml } from './html.ts';
import type { PageContent } from './layout.ts';
import {
  attachmentsSection,
  componentsSection,
  historySection,
  type Listing,
  type PerDevice,
} from './sections.ts';

export interface DeviceView {
  /** The device's single-unit lot (it has a serial). */
  lot: Lot & { serial: number };
  /** Its backward trace (part name, build, component lots, sub-assembly units). */
  trace: TraceNode;
  history: Listing<HistoryItem>;
  attachments: Listing<Attachment>;
  /** The device this unit is fitted into, if any. */
  heldBy: string | null;
  /** What the visitor may do here (after the facts: the first screen). */
  actions?: SafeHtml | null;
  /** Its build's next stage (null: every stage done, or none). */
  stage?: { name: string; of: number; position: number } | { done: true } | null;
  /** Per part: how many one device holds and where (the project's BOM). */
  perDevice?: PerDevice;
}

/** The newest test result in the history shown, as one line. */
function lastTest(history: Listing<HistoryItem>): SafeHtml | null {
  const test = history.items.find((h) => h.kind === 'test_result');
  if (!test) return null;
  const d = test.data as { test?: string; passed?: boolean; station?: string | null };
  return html`<span class="${d.passed ? 'ok' : 'bad'}"
      >${d.test ?? 'test'} ${d.passed ? 'passed' : 'failed'}</span
    >${d.station ? ` at ${d.station}` : ''} · ${when(test.occurredAt)}`;
}

export function devicePage(view: DeviceView): PageContent {
  const { lot, trace } = view;
  const path = idPath(lot.code);
  const serial = serialText(lot.serial, lot.serialLabel);
  const build = trace.build;
  const body = html`
    <p class="kicker">Device</p>
    <h1>${trace.lot.partName}</h1>
    <p class="lead">
      Serial <strong>${serial}</strong>${build ? html` of build ${codeLink(build.code)}` : null}
      ${statusBadge(lot.status)}
    </p>
    ${facts([
      ['Serial', serial],
      ['Status', statusBadge(lot.status)],
      [
        'Part',
        html`${codeLink(lot.partCode, trace.lot.partName)} <span class="meta code">${lot.partCode}</span>`,
      ],
      ['Build', build ? html`${codeLink(build.code)} · ${build.projectName}` : maybeCodeLink(lot.buildCode)],
      build?.completedAt
        ? ['Build completed', when(build.completedAt)]
        : ['Build started', when(build?.startedAt)],
      [
        'Stage',
        !view.stage
          ? null
          : 'done' in view.stage
            ? 'all stages done'
            : `${view.stage.name} (${view.stage.position} of ${view.stage.of})`,
      ],
      ['Last test', lastTest(view.history)],
      ['Inside device', maybeCodeLink(view.heldBy)],
      ['Location', maybeCodeLink(lot.locationCode)],
      ['ID code', html`<span class="code">${lot.code}</span>`],
      ...freeFields(lot.fields),
    ])}
    ${view.actions ?? null} ${historySection(view.history, path)} ${attachmentsSection(view.attachments)}
    ${componentsSection(trace, view.perDevice)}
  `;
  return { title: `${trace.lot.partName} ${serial}`, body, canonicalPath: path };
}
