/** `/lot`: a lot or device, its recent history, and the button that records a test result or a note. */
import type { Lot } from '../../domain/types.ts';
import { ACTIONS } from '../ids.ts';
import {
  button,
  context,
  ephemeral,
  escape,
  fields,
  idLink,
  section,
  when,
  who,
  type SlackAnswer,
} from './format.ts';

/** One history item as `listLotHistory` answers it. */
export interface HistoryLine {
  kind: string;
  summary: string;
  actor: string;
  occurredAt: Date | string;
}

/** How many history items `/lot` shows. */
export const RECENT_HISTORY = 5;

/** The names behind a lot's codes. */
export interface LotNames {
  partName: string;
  locationName: string | null;
}

export function lotAnswer(
  lot: Lot,
  history: HistoryLine[] | null,
  publicUrl: string,
  names?: LotNames,
): SlackAnswer {
  const part = names ? `${escape(names.partName)} (\`${lot.partCode}\`)` : lot.partCode;
  const location = lot.locationCode
    ? names?.locationName
      ? `${escape(names.locationName)} (\`${lot.locationCode}\`)`
      : lot.locationCode
    : '—';
  const device = lot.serial !== null && lot.buildCode !== null;
  const heading = device
    ? `*Device ${lot.code}* — serial ${lot.serialLabel ? `${escape(lot.serialLabel)} (${lot.serial})` : lot.serial} of build ${lot.buildCode}`
    : `*Lot ${lot.code}*`;
  const pairs: [string, string][] = [
    ['Part', part],
    ['Status', lot.status.replace('_', ' ')],
    ['Quantity', lot.quantity.toLocaleString('en')],
    ['Location', location],
  ];
  if (lot.buildCode && !device) pairs.push(['Build', lot.buildCode]);
  if (lot.supplier)
    pairs.push([
      'Supplier',
      escape(lot.supplier + (lot.supplierOrder ? ` · order ${lot.supplierOrder}` : '')),
    ]);
  if (lot.dateCode) pairs.push(['Date code', escape(lot.dateCode)]);
  const blocks = [section(heading), fields(pairs)];
  if (history) {
    const lines = history
      .slice(0, RECENT_HISTORY)
      .map(
        (h) =>
          `• ${when(h.occurredAt)} *${escape(h.kind.replace(/_/g, ' '))}* ${escape(h.summary)} — ${who(h.actor)}`,
      );
    blocks.push(
      section(`*Recent history*\n${lines.length > 0 ? lines.join('\n') : '_Nothing recorded yet._'}`),
    );
  }
  return ephemeral({
    text: `${device ? 'Device' : 'Lot'} ${lot.code}: ${names ? names.partName : lot.partCode}, ${lot.status.replace('_', ' ')}`,
    blocks: [
      ...blocks,
      {
        type: 'actions',
        block_id: 'lot_actions',
        elements: [button('Record test result or note', ACTIONS.lotRecord, lot.code, { style: 'primary' })],
      },
      context(`${idLink(publicUrl, lot.code)} · source ${escape(lot.source)} · since ${when(lot.createdAt)}`),
    ],
  });
}
