/**
 * The Brother QL encoder against a reference we did not write: Debian's `printer-driver-ptouch`
 * (the CUPS filter `rastertoptch`, mode QL). The same label rasters go to both — to the reference as
 * a CUPS raster v3 stream (header written here from the CUPS raster specification, page 62 × 29 mm
 * at 300 dpi as the ptouch QL-820NWB PPD declares it) — and both outputs are read back with our
 * decoder. Compared: the command structure (invalidate, initialise, raster mode, ESC i z media
 * fields, M 02 compression, 90-byte raster lines, 0x0C between pages and 0x1A at the end), the QR
 * codes decoded from the reference's pages, and the printed dots themselves.
 *
 * Known differences, asserted rather than hidden: the reference right-aligns the mirrored 732-dot
 * page row on the 720-pin head and never prints on pins 0–15, so of the label's 696 printable columns
 * it prints those on pins 16–699 and drops the right-most 12 (label dots 702–713); we follow
 * Brother's media table for 62 mm stock (12 unused pins either side: the 696 columns on pins
 * 12–707), 8 pins over. It also sends the page's 343 rows with the unprintable ones blank (`Z`),
 * where we send the 271 printable rows.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { getTemplate } from '../../src/domain/label-templates.ts';
import type { LabelContent } from '../../src/domain/labels.ts';
import { brotherQlDriver } from '../../src/printers/brother-ql.ts';
import { rasterLabel, type LabelRaster } from '../../src/printers/raster.ts';
import { decodeBrotherRaster, pageImage } from '../helpers/brother-raster.ts';
import { decodeQr } from '../helpers/decode.ts';

const FILTER = '/usr/lib/cups/filter/rastertoptch';
const available = existsSync(FILTER);
const run = promisify(execFile);

const labels: LabelContent[] = [1, 2].map((n) => ({
  code: `REF000000${n}`,
  url: `https://buildtrace.example.com/id/REF000000${n}`,
  title: 'Reference Board',
  serial: n,
}));

/** A CUPS raster v3 page header (cups_page_header2_t, 1796 bytes, big-endian after `RaS3`). */
function cupsHeader(raster: LabelRaster): Buffer {
  const h = Buffer.alloc(1796);
  const uint = (offset: number, value: number) => h.writeUInt32BE(value, offset);
  const float = (offset: number, value: number) => h.writeFloatBE(value, offset);
  h.write('Labels', 128); // MediaType
  uint(268, 1); // CutMedia: after each page
  uint(276, 300); // HWResolution
  uint(280, 300);
  [4, 8, 172, 74].forEach((v, i) => uint(284 + 4 * i, v)); // ImagingBoundingBox, points
  uint(340, 1); // NumCopies
  uint(352, 176); // PageSize, points: 62 × 29 mm as the ptouch PPD has it
  uint(356, 82);
  uint(372, raster.width); // cupsWidth
  uint(376, raster.height); // cupsHeight
  uint(384, 1); // cupsBitsPerColor
  uint(388, 1); // cupsBitsPerPixel
  uint(392, Math.ceil(raster.width / 8)); // cupsBytesPerLine
  uint(400, 3); // cupsColorSpace: CUPS_CSPACE_K, 1 = black
  uint(420, 1); // cupsNumColors
  float(428, 176); // cupsPageSize
  float(432, 82);
  [4.32, 8.4, 171.68, 73.6].forEach((v, i) => float(436 + 4 * i, v)); // cupsImagingBBox (the PPD's)
  h.write('62x29mm', 1732); // cupsPageSizeName
  return h;
}

/** The reference's options for a QL with die-cut labels, as its PPD passes them (RLE = PackBits). */
const options = (transfer: 'RLE' | 'ULP') =>
  `PrintQuality=High AutoCut CutLabel=1 MediaType=Labels Align=Right BytesPerLine=90 PixelXfer=${transfer} ` +
  'QL StatusNotification=1 TransferMode=1 LabelPreamble SoftwareMirror';

async function reference(transfer: 'RLE' | 'ULP'): Promise<Uint8Array> {
  const template = getTemplate('brother-62x29');
  const rasters = labels.map((l) => rasterLabel(template, 300, l));
  const dir = await mkdtemp(join(tmpdir(), 'bt-ptouch-'));
  try {
    const input = join(dir, 'labels.ras');
    await writeFile(
      input,
      Buffer.concat([Buffer.from('RaS3'), ...rasters.flatMap((r) => [cupsHeader(r), Buffer.from(r.rows)])]),
    );
    const { stdout } = await run(FILTER, ['-i', input, options(transfer)], {
      encoding: 'buffer',
      maxBuffer: 16 << 20,
    });
    return new Uint8Array(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const why = available
  ? ''
  : ` (skipped: ${FILTER} missing — apt-get install printer-driver-ptouch, or scripts/ensure-system-deps.sh)`;

describe.skipIf(!available)(`Brother QL encoder against printer-driver-ptouch's rastertoptch${why}`, () => {
  it('has the same command structure and media fields', async () => {
    const theirs = decodeBrotherRaster(await reference('RLE'));
    const ours = decodeBrotherRaster(
      await brotherQlDriver.encode(
        { name: 'q', driver: 'brother-ql', address: 'localhost', template: 'brother-62x29', dpi: 300 },
        labels,
      ),
    );
    const opening = ['invalidate', 'ESC @', 'ESC i a', 'ESC i !'];
    expect(theirs.commands.slice(0, 4)).toEqual(opening);
    expect(ours.commands.slice(0, 4)).toEqual(opening);
    // The same commands, in their own order within a page; the reference also sends blank rows as Z.
    expect(new Set(theirs.commands)).toEqual(new Set([...ours.commands, 'Z']));
    for (const decoded of [theirs, ours]) {
      expect(
        decoded.pages.map((p) => [p.info?.mediaType, p.info?.widthMm, p.info?.lengthMm, p.info?.page]),
      ).toEqual([
        [0x0b, 62, 29, 0],
        [0x0b, 62, 29, 1],
      ]);
      expect(decoded.pages.map((p) => [p.width, p.compression, p.autoCut, p.last])).toEqual([
        [720, 2, true, false],
        [720, 2, true, true],
      ]);
    }
    expect(theirs.pages.map((p) => p.info?.lines)).toEqual([343, 343]);
    expect(ours.pages.map((p) => p.info?.lines)).toEqual([271, 271]);
  });

  it("prints the same dots: the reference's pages decode to the URLs and match ours 8 pins over where it prints", async () => {
    for (const transfer of ['RLE', 'ULP'] as const) {
      const theirs = decodeBrotherRaster(await reference(transfer)).pages;
      const ours = decodeBrotherRaster(
        await brotherQlDriver.encode(
          { name: 'q', driver: 'brother-ql', address: 'localhost', template: 'brother-62x29', dpi: 300 },
          labels,
        ),
      ).pages;
      expect(theirs.map((p) => decodeQr(pageImage(p)))).toEqual(labels.map((l) => l.url));
      theirs.forEach((page, i) => {
        const mine = ours[i]!;
        const dot = (rows: Uint8Array, y: number, pin: number) =>
          pin < 0 || pin >= 720 ? 0 : (rows[y * 90 + (pin >> 3)]! >> (7 - (pin & 7))) & 1;
        let differ = 0;
        let ink = 0;
        for (let y = 0; y < mine.height; y++) {
          // Where the reference prints (its pins 16–699), its dots are ours 8 pins over.
          for (let pin = 24; pin < 708; pin++) {
            ink += dot(mine.rows, y, pin);
            if (dot(mine.rows, y, pin) !== dot(page.rows, y + 35, pin - 8)) differ++;
          }
        }
        expect(ink).toBeGreaterThan(20_000);
        expect({ transfer, page: i, differ }).toEqual({ transfer, page: i, differ: 0 });
        let outside = 0;
        for (let y = 0; y < page.height; y++) {
          const printable = y >= 35 && y < 35 + 271;
          for (let pin = 0; pin < 720; pin++)
            if (!printable || pin < 16 || pin >= 700) outside += dot(page.rows, y, pin);
        }
        expect(outside).toBe(0);
      });
    }
  });
});
