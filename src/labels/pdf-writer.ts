/**
 * A PDF written front to back as pages arrive, with memory that does not grow with the page count.
 *
 * pdf-lib keeps every page in memory until `save()` and its `addPage` walks the page tree, so a
 * 20,000-page roll spends most of its time inserting pages and holds all of them at once. Labels
 * need little of what pdf-lib offers: a page is a MediaBox, a shared resource dictionary and one
 * content stream. So pages and content streams are serialised here straight to the output, and
 * pdf-lib is used only for what it does well — embedding font subsets (fontkit), the catalog and the
 * document information — whose objects are written at the end, once every glyph used is known.
 *
 * Object numbers all come from the pdf-lib context (`nextRef()`), so both kinds of object share one
 * numbering and one cross-reference table. The page tree is two levels deep (root → nodes of up to
 * {@link PAGES_PER_NODE} pages) so no viewer has to scan a 100,000-entry Kids array.
 */
import { PDFName, PDFNumber, PDFRef, type PDFDocument } from 'pdf-lib';
import { pdfNumber } from './layout.ts';

const PAGES_PER_NODE = 256;
/** Output is handed to the stream in blocks this large: fewer writes, bounded buffering. */
const BLOCK_BYTES = 256 * 1024;

interface PageNode {
  objectNumber: number;
  kids: number[];
}

export class PdfStreamWriter {
  private position = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Byte offset of each object, indexed by object number; -1 = not written (yet). */
  private offsets = new Float64Array(4096).fill(-1);
  private nodes: PageNode[] = [];
  private pageCount = 0;
  private failure: Error | undefined;
  private readonly onError = (error: Error) => {
    this.failure ??= error;
  };

  constructor(
    private readonly doc: PDFDocument,
    private readonly out: NodeJS.WritableStream,
  ) {
    out.on('error', this.onError);
    // The binary comment line tells transfer tools the file is not text.
    this.push(Buffer.from([...Buffer.from('%PDF-1.7\n%'), 0xe2, 0xe3, 0xcf, 0xd3, 0x0a]));
  }

  get pages(): number {
    return this.pageCount;
  }

  get bytes(): number {
    return this.position;
  }

  /**
   * Writes one page of `width` × `height` points whose content stream is `data` (Flate-compressed
   * operators) using the resource dictionary `resources`. Resolves once the output has room for more,
   * which also lets a busy worker's event loop breathe.
   */
  async addPage(data: Uint8Array, width: number, height: number, resources: PDFRef): Promise<void> {
    if (this.pageCount % PAGES_PER_NODE === 0) this.nodes.push({ objectNumber: this.allocate(), kids: [] });
    const node = this.nodes[this.nodes.length - 1]!;
    const page = this.allocate();
    const contents = this.allocate();
    node.kids.push(page);
    this.pageCount++;

    this.beginObject(page);
    this.pushText(
      `<< /Type /Page /Parent ${node.objectNumber} 0 R /MediaBox [0 0 ${pdfNumber(width)} ${pdfNumber(height)}] ` +
        `/Resources ${resources.objectNumber} 0 R /Contents ${contents} 0 R >>\nendobj\n`,
    );
    this.beginObject(contents);
    this.pushText(`<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`);
    this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.pushText('\nendstream\nendobj\n');
    if (this.buffered >= BLOCK_BYTES) await this.flush();
  }

  /**
   * Embeds the fonts (only the glyphs used), then writes pdf-lib's objects, the page tree, the
   * cross-reference table and the trailer. The output stream is left open for the caller to end.
   */
  async finish(): Promise<void> {
    const { context } = this.doc;
    await this.doc.flush();
    const root = this.doc.catalog.Pages();
    const rootRef = this.doc.catalog.get(PDFName.of('Pages')) as PDFRef;
    root.set(PDFName.of('Kids'), context.obj(this.nodes.map((n) => PDFRef.of(n.objectNumber))));
    root.set(PDFName.of('Count'), PDFNumber.of(this.pageCount));

    for (const [ref, object] of context.enumerateIndirectObjects()) {
      this.beginObject(ref.objectNumber);
      const bytes = Buffer.allocUnsafe(object.sizeInBytes());
      object.copyBytesInto(bytes, 0);
      this.push(bytes);
      this.pushText('\nendobj\n');
    }
    for (const node of this.nodes) {
      this.beginObject(node.objectNumber);
      this.pushText(
        `<< /Type /Pages /Parent ${rootRef.objectNumber} 0 R /Count ${node.kids.length} /Kids [` +
          node.kids.map((kid) => `${kid} 0 R`).join(' ') +
          '] >>\nendobj\n',
      );
    }

    const size = context.largestObjectNumber + 1;
    const xrefOffset = this.position;
    this.pushText(`xref\n0 ${size}\n0000000000 65535 f \n`);
    let table = '';
    for (let n = 1; n < size; n++) {
      const offset = n < this.offsets.length ? this.offsets[n]! : -1;
      // Every allocated number is written; a gap would only come from a ref pdf-lib reserved unused.
      table += offset < 0 ? '0000000000 65535 f \n' : `${String(offset).padStart(10, '0')} 00000 n \n`;
      if (table.length >= BLOCK_BYTES) {
        this.pushText(table);
        table = '';
      }
    }
    this.pushText(table);
    const info = context.trailerInfo.Info as PDFRef | undefined;
    this.pushText(
      `trailer\n<< /Size ${size} /Root ${(context.trailerInfo.Root as PDFRef).objectNumber} 0 R` +
        (info ? ` /Info ${info.objectNumber} 0 R` : '') +
        ` >>\nstartxref\n${xrefOffset}\n%%EOF\n`,
    );
    await this.flush();
    this.out.removeListener('error', this.onError);
  }

  /** Stops listening to the output; for callers that abandon a document half-written. */
  detach(): void {
    this.out.removeListener('error', this.onError);
  }

  private allocate(): number {
    return this.doc.context.nextRef().objectNumber;
  }

  private beginObject(objectNumber: number): void {
    if (objectNumber >= this.offsets.length) {
      const grown = new Float64Array(Math.max(objectNumber + 1, this.offsets.length * 2)).fill(-1);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[objectNumber] = this.position;
    this.pushText(`${objectNumber} 0 obj\n`);
  }

  private pushText(text: string): void {
    this.push(Buffer.from(text, 'latin1'));
  }

  private push(bytes: Buffer): void {
    this.chunks.push(bytes);
    this.buffered += bytes.length;
    this.position += bytes.length;
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.buffered === 0) return;
    const block = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    if (!this.out.write(block)) await drained(this.out);
    if (this.failure) throw this.failure;
  }
}

/** Resolves when the stream wants more; rejects if it fails or closes first (never hangs on a dead one). */
function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      out.removeListener('drain', onDrain);
      out.removeListener('error', onError);
      out.removeListener('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error('the output closed before the PDF was complete'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
