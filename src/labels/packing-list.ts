/**
 * The packing list PDF put in a shipment's box: A4 portrait, a heading (shipment number, customer,
 * order, date, unit count) and a table of the units — part, part name, serial, device ID code —
 * continued over as many pages as the units need, each page headed again and numbered.
 *
 * Text comes from people (customer names, part names): it is set in the embedded DejaVu fonts the
 * labels use, characters the font cannot print shown as '?', and every cell fitted to its column
 * (smaller, then cut with '…'), so no text runs into the next column or off the page.
 */
import fontkit from '@pdf-lib/fontkit';
import {
  PDFDocument,
  PDFHexString,
  beginText,
  endText,
  moveText,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  setFillingRgbColor,
  setFontAndSize,
  showText,
  type PDFName,
  type PDFPage,
  type RGB,
} from 'pdf-lib';
import { shownSerial, type PackingList } from '../domain/shipments.ts';
import { FontEncoder, fontBytes } from './text.ts';

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 40;
const ROW = 15;
const SIZE = { minSize: 6, maxSize: 9 };

/** Columns: heading, width in points (together the page's width inside its margins). */
const COLUMNS = [
  { heading: '#', width: 32 },
  { heading: 'Part', width: 90 },
  { heading: 'Part name', width: 163 },
  { heading: 'Serial', width: 130 },
  { heading: 'Device ID code', width: 100 },
] as const;

const GREY = rgb(0.45, 0.45, 0.45);
const RULE = rgb(0.8, 0.8, 0.8);

/** Renders `list` to PDF bytes. */
export async function renderPackingList(list: PackingList): Promise<Uint8Array> {
  const { shipment, units } = list;
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  doc.setTitle(`Packing list ${shipment.number}`);
  doc.setCreator('buildtrace');
  doc.setCreationDate(list.generatedAt);
  const regular = new FontEncoder(await doc.embedFont(fontBytes('regular'), { subset: true }));
  const bold = new FontEncoder(await doc.embedFont(fontBytes('bold'), { subset: true }));

  // Each distinct text is fitted and encoded once: part names and dates repeat on every row, and
  // shaping a text through fontkit is what costs most (a list of 500 units would take seconds).
  const fitted = new Map<string, { size: number; width: number; hex: string }>();
  const fit = (font: FontEncoder, value: string, width: number, sizes: typeof SIZE) => {
    const key = `${font === bold ? 'b' : 'r'}|${width}|${sizes.minSize}|${sizes.maxSize}|${value}`;
    let found = fitted.get(key);
    if (!found) {
      const f = font.fit(value, width, sizes);
      found = { size: f.size, width: f.width, hex: font.encode(f.text).slice(1, -1) };
      fitted.set(key, found);
    }
    return found;
  };
  const fontKeys = new Map<PDFPage, { regular: PDFName; bold: PDFName }>();
  const text = (
    page: PDFPage,
    value: string,
    x: number,
    y: number,
    width: number,
    font = regular,
    sizes = SIZE,
    color: RGB = rgb(0, 0, 0),
    align: 'left' | 'right' = 'left',
  ) => {
    if (value === '') return;
    let keys = fontKeys.get(page);
    if (!keys) {
      keys = {
        regular: page.node.newFontDictionary(regular.font.name, regular.font.ref),
        bold: page.node.newFontDictionary(bold.font.name, bold.font.ref),
      };
      fontKeys.set(page, keys);
    }
    const f = fit(font, value, width, sizes);
    page.pushOperators(
      pushGraphicsState(),
      setFillingRgbColor(color.red, color.green, color.blue),
      beginText(),
      setFontAndSize(font === bold ? keys.bold : keys.regular, f.size),
      moveText(align === 'right' ? x + width - f.width : x, y),
      showText(PDFHexString.of(f.hex)),
      endText(),
      popGraphicsState(),
    );
  };

  const date =
    shipment.shippedOn ?? `not shipped yet (list of ${list.generatedAt.toISOString().slice(0, 10)})`;
  const facts: [string, string][] = [
    ['Shipment', shipment.number],
    ['Customer', shipment.customer],
    ['Order', shipment.order ?? '—'],
    [shipment.shippedOn ? 'Shipped on' : 'Date', date],
    ['Units', String(units.length)],
  ];
  if (shipment.note) facts.push(['Note', shipment.note]);

  const inner = A4.width - 2 * MARGIN;
  const pages: PDFPage[] = [];
  let page!: PDFPage;
  let y = 0;
  const tableHeading = () => {
    let x = MARGIN;
    for (const column of COLUMNS) {
      text(page, column.heading, x + 2, y, column.width - 4, bold);
      x += column.width;
    }
    y -= 5;
    page.drawLine({ start: { x: MARGIN, y }, end: { x: MARGIN + inner, y }, thickness: 0.8 });
    y -= ROW - 4;
  };
  const newPage = () => {
    page = doc.addPage([A4.width, A4.height]);
    pages.push(page);
    y = A4.height - MARGIN - 16;
    if (pages.length === 1) {
      text(page, 'Packing list', MARGIN, y, inner, bold, { minSize: 12, maxSize: 18 });
      y -= 26;
      for (const [label, value] of facts) {
        text(page, label, MARGIN, y, 80, regular, { minSize: 8, maxSize: 10 }, GREY);
        text(page, value, MARGIN + 80, y, inner - 80, bold, { minSize: 7, maxSize: 10 });
        y -= 15;
      }
      y -= 12;
    } else {
      text(page, `Packing list ${shipment.number} — ${shipment.customer}`, MARGIN, y, inner, bold, {
        minSize: 7,
        maxSize: 10,
      });
      y -= 22;
    }
    tableHeading();
  };

  newPage();
  units.forEach((unit, i) => {
    if (y < MARGIN + 20) newPage();
    const cells = [String(i + 1), unit.partCode, unit.partName, shownSerial(unit), unit.code];
    let x = MARGIN;
    cells.forEach((cell, c) => {
      text(page, cell, x + 2, y, COLUMNS[c]!.width - 4);
      x += COLUMNS[c]!.width;
    });
    page.drawLine({
      start: { x: MARGIN, y: y - 4 },
      end: { x: MARGIN + inner, y: y - 4 },
      thickness: 0.3,
      color: RULE,
    });
    y -= ROW;
  });

  pages.forEach((p, i) => {
    const footer = `${shipment.number} · page ${i + 1} of ${pages.length}`;
    text(p, footer, MARGIN, MARGIN - 20, inner, regular, { minSize: 7, maxSize: 8 }, GREY, 'right');
  });
  return doc.save();
}
