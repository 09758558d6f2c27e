/**
 * Attachments through the API on the local store: streamed multipart uploads to lots, builds and
 * history events; names like ../../etc/passwd; a 26 MB file (413, nothing stored, with and without
 * Content-Length); an executable claiming to be a PDF; the same file twice (stored once); a damaged
 * stored file detected on read (and mended by uploading it again).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBlobPath } from '../../src/storage/blobs.ts';
import { factories } from '../factories.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
let f: ReturnType<typeof factories>;

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4000, 0x90)]);
/** A whole 1×1 PNG: file-type reads past the signature into the chunks, so a bare signature is not one. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4AWP4DwQACfsD/c8LaHIAAAAASUVORK5CYII=',
  'base64',
);

interface Upload {
  file?: { name: string; type?: string; data: Buffer };
  note?: string;
  extra?: Record<string, string>;
}

async function upload(path: string, parts: Upload, role: 'viewer' | 'operator' = 'operator') {
  const form = new FormData();
  if (parts.note !== undefined) form.append('note', parts.note);
  for (const [k, v] of Object.entries(parts.extra ?? {})) form.append(k, v);
  if (parts.file)
    form.append('file', new Blob([parts.file.data], { type: parts.file.type ?? '' }), parts.file.name);
  const res = await fetch(`${ctx.url}/api/v1${path}`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${ctx.tokens[role]}` },
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, text };
}

async function download(id: number) {
  const res = await fetch(`${ctx.url}/api/v1/attachments/${id}/content`, {
    headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
  });
  return { status: res.status, headers: res.headers, data: Buffer.from(await res.arrayBuffer()) };
}

/** A zip of stored (uncompressed) entries with its central directory, as `jar` or `zip` write it. */
function zip(entries: [name: string, data: Buffer][], method = 0): Buffer {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name);
    const [h, c, crc] = [Buffer.alloc(30), Buffer.alloc(46), crc32(data)];
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(method, 8);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(data.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(n.length, 26);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    local.push(h, n, data);
    central.push(c, n);
    offset += 30 + n.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, directory, end]);
}

/** A chunked multipart request written by hand: `write` sends the file's bytes as the test decides. */
function streamedUpload(
  path: string,
  filename: string,
  write: (req: ReturnType<typeof request>) => Promise<void>,
): Promise<{ status: number; text: string }> {
  const boundary = 'bt-boundary-streamed';
  return new Promise((resolve, reject) => {
    const req = request(
      `${ctx.url}/api/v1${path}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ctx.tokens.operator}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'transfer-encoding': 'chunked',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    write(req).then(() => req.end(`\r\n--${boundary}--\r\n`), reject);
  });
}

const attachmentsDir = () => join(ctx.config.storageDir, 'attachments');
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Every file in the attachment store (blobs and anything left in staging). */
async function storedFiles(): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string) {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.push(path.slice(attachmentsDir().length + 1));
    }
  }
  await walk(attachmentsDir());
  return out.sort();
}

async function unchanged(act: () => Promise<{ status: number; text: string }>, status: number) {
  const before = await databaseFingerprint(ctx);
  const files = await storedFiles();
  const res = await act();
  expect(res.status, res.text).toBe(status);
  expect(await databaseFingerprint(ctx)).toBe(before);
  expect(await storedFiles()).toEqual(files);
  return res;
}

beforeAll(async () => {
  ctx = await createTestContext();
  f = factories({ uow: ctx.uow });
});
afterAll(async () => ctx?.close());

describe('attachments', () => {
  it('uploads to a lot and downloads with the type read from the bytes', async () => {
    const lot = await f.lot();
    const res = await upload(`/lots/${lot.code}/attachments`, {
      file: { name: 'CoC supplier.pdf', type: 'application/pdf', data: PDF },
      note: 'certificate of conformity',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      filename: 'CoC supplier.pdf',
      mediaType: 'application/pdf',
      bytes: PDF.length,
      sha256: sha(PDF),
      target: { lot: lot.code, build: null, event: null },
      note: 'certificate of conformity',
      uploadedBy: 'token:test-operator',
      download: `/api/v1/attachments/${res.body.id as number}/content`,
    });
    const file = await download(res.body.id as number);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="CoC supplier.pdf"');
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(file.data.equals(PDF)).toBe(true);
    const list = await ctx.api('GET', `/api/v1/lots/${lot.code}/attachments`, { role: 'viewer' });
    expect((list.body.items as { id: number }[]).map((a) => a.id)).toEqual([res.body.id]);
  });

  it('cleans path-like and hostile file names', async () => {
    const lot = await f.lot();
    const res = await upload(`/lots/${lot.code}/attachments`, {
      file: { name: '../../etc/passwd', type: 'text/plain', data: Buffer.from('root:x:0:0\n') },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ filename: 'passwd', mediaType: 'text/plain; charset=utf-8' });
    const file = await download(res.body.id as number);
    expect(file.headers.get('content-disposition')).toBe('attachment; filename=passwd');
    // Stored by SHA-256 only: the name never reaches the file system.
    expect(await storedFiles()).toContain(join('sha256', sha(file.data).slice(0, 2), sha(file.data)));
    expect((await storedFiles()).some((p) => p.includes('passwd'))).toBe(false);

    const windows = await upload(`/lots/${lot.code}/attachments`, {
      file: { name: '..\\..\\Windows\\win.ini', data: Buffer.from('[fonts]\n') },
    });
    expect(windows.body.filename).toBe('win.ini');
    const unicode = await upload(`/lots/${lot.code}/attachments`, {
      file: { name: 'Prüfbericht – Gerät 7.csv', data: Buffer.from('serial;ok\n7;1\n') },
    });
    expect(unicode.body).toMatchObject({
      filename: 'Prüfbericht – Gerät 7.csv',
      mediaType: 'text/csv; charset=utf-8',
    });
    const header = (await download(unicode.body.id as number)).headers.get('content-disposition');
    expect(header).toContain(`filename*=UTF-8''Pr%C3%BCfbericht%20%E2%80%93%20Ger%C3%A4t%207.csv`);
  });

  it('downloads with the type it was stored as, whatever the name says (extensionless, .dat)', async () => {
    const lot = await f.lot();
    const files = [
      { name: 'README', data: Buffer.from('Rework notes for this lot\n') },
      { name: 'passwd', type: 'text/plain', data: Buffer.from('root:x:0:0\n') },
      { name: 'capture.dat', data: Buffer.from('t=0.1 v=3.30\n') },
      { name: 'board photo', data: PNG },
    ];
    for (const file of files) {
      const res = await upload(`/lots/${lot.code}/attachments`, { file });
      expect(res.status, res.text).toBe(201);
      const got = await download(res.body.id as number);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type'), file.name).toBe(res.body.mediaType);
      expect(got.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
      expect(got.data.equals(file.data)).toBe(true);
      const shown = await ctx.api('GET', `/api/v1/attachments/${res.body.id as number}`, { role: 'viewer' });
      expect(shown.body.mediaType).toBe(res.body.mediaType);
    }
  });

  it('refuses a 26 MB file with 413 and keeps nothing, with or without Content-Length', async () => {
    const lot = await f.lot();
    const big = Buffer.alloc(26 * 1024 * 1024, 0x41);
    const res = await unchanged(
      () => upload(`/lots/${lot.code}/attachments`, { file: { name: 'scope-capture.bin', data: big } }),
      413,
    );
    expect(JSON.parse(res.text)).toMatchObject({ status: 413, maxBytes: 25_000_000 });

    // Streamed without a length: refused as the bytes arrive, the staged part removed.
    const boundary = 'bt-boundary-26mb';
    await unchanged(
      () =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = request(
            `${ctx.url}/api/v1/lots/${lot.code}/attachments`,
            {
              method: 'POST',
              headers: {
                authorization: `Bearer ${ctx.tokens.operator}`,
                'content-type': `multipart/form-data; boundary=${boundary}`,
                'transfer-encoding': 'chunked',
              },
            },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            },
          );
          req.on('error', reject);
          req.write(
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          );
          const chunk = Buffer.alloc(1024 * 1024, 0x42);
          for (let i = 0; i < 26; i++) req.write(chunk);
          req.end(`\r\n--${boundary}--\r\n`);
        }),
      413,
    );
    expect(await readdir(join(attachmentsDir(), 'staging')).catch(() => [])).toEqual([]);
  });

  it('refuses an executable claiming to be a PDF, and other files that are not what they claim', async () => {
    const lot = await f.lot();
    const res = await unchanged(
      () =>
        upload(`/lots/${lot.code}/attachments`, {
          file: { name: 'datasheet.pdf', type: 'application/pdf', data: ELF },
        }),
      415,
    );
    expect(JSON.parse(res.text)).toMatchObject({
      status: 415,
      errors: [
        {
          field: 'file',
          message: 'is an executable (ELF executable) named .pdf; executables are not accepted',
        },
      ],
    });
    const mismatch = await unchanged(
      () => upload(`/lots/${lot.code}/attachments`, { file: { name: 'report.pdf', data: PNG } }),
      415,
    );
    expect(mismatch.text).toContain('is named .pdf but its bytes are PNG image');
    expect(await readdir(join(attachmentsDir(), 'staging')).catch(() => [])).toEqual([]);
  });

  it('reads the whole file for its type: a jar is refused however deep its manifest', async () => {
    const lot = await f.lot();
    // The manifest comes after 8 KiB of class file: past the first few kilobytes a sniffer would read.
    const jar = zip([
      ['com/acme/Flash.class', Buffer.alloc(8192, 0xca)],
      ['META-INF/MANIFEST.MF', Buffer.from('Manifest-Version: 1.0\nMain-Class: com.acme.Flash\n')],
    ]);
    const res = await unchanged(
      () =>
        upload(`/lots/${lot.code}/attachments`, {
          file: { name: 'firmware.zip', type: 'application/zip', data: jar },
        }),
      415,
    );
    expect(res.text).toContain('is an executable (Java archive) named .zip');

    const plain = zip([
      ['fw.hex', Buffer.alloc(8192, 0x3a)],
      ['notes.txt', Buffer.from('rev B\n')],
    ]);
    const ok = await upload(`/lots/${lot.code}/attachments`, { file: { name: 'firmware.zip', data: plain } });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.mediaType).toBe('application/zip');

    // A zip file-type cannot read (bad deflate data) is not a zip: refused as such, not a 500.
    const broken = zip([['[Content_Types].xml', Buffer.from('not deflate data at all')]], 8);
    await unchanged(
      () => upload(`/lots/${lot.code}/attachments`, { file: { name: 'broken.zip', data: broken } }),
      415,
    );
  });

  it('streams an upload to disk as it arrives instead of holding it in memory', async () => {
    const lot = await f.lot();
    const staging = join(attachmentsDir(), 'staging');
    const stagedBytes = async () => {
      let total = 0;
      for (const name of await readdir(staging).catch(() => []))
        total += (await stat(join(staging, name)).catch(() => null))?.size ?? 0;
      return total;
    };
    const chunk = Buffer.alloc(1024 * 1024, 0x2e);
    let onDiskMidway = 0;
    const res = await streamedUpload(`/lots/${lot.code}/attachments`, 'scope-capture.txt', async (req) => {
      for (let i = 0; i < 8; i++) req.write(chunk);
      // 8 of 16 MiB sent and the body not finished: most of it is already in the staging file.
      for (let tries = 0; tries < 500 && onDiskMidway < 6 * 1024 * 1024; tries++) {
        await new Promise((r) => setTimeout(r, 10));
        onDiskMidway = await stagedBytes();
      }
      for (let i = 0; i < 8; i++) req.write(chunk);
    });
    expect(res.status, res.text).toBe(201);
    expect(onDiskMidway).toBeGreaterThanOrEqual(6 * 1024 * 1024);
    expect(JSON.parse(res.text)).toMatchObject({ bytes: 16 * 1024 * 1024 });
    expect(await readdir(staging)).toEqual([]);
  });

  it('stores the same file once however often it is attached', async () => {
    const [a, b] = [await f.lot(), await f.lot()];
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('same photo bytes')]);
    const first = await upload(`/lots/${a.code}/attachments`, { file: { name: 'front.jpg', data: photo } });
    const second = await upload(`/lots/${b.code}/attachments`, {
      file: { name: 'IMG_0001.JPG', data: photo },
    });
    const third = await upload(`/lots/${a.code}/attachments`, { file: { name: 'front.jpg', data: photo } });
    expect([first.status, second.status, third.status]).toEqual([201, 201, 201]);
    expect(new Set([first.body.id, second.body.id, third.body.id]).size).toBe(3);
    expect(first.body.sha256).toBe(second.body.sha256);
    expect(await ctx.db('blobs').where({ sha256: sha(photo) })).toHaveLength(1);
    expect(await ctx.db('attachments').where({ blob_sha256: sha(photo) })).toHaveLength(3);
    expect((await storedFiles()).filter((p) => p.endsWith(sha(photo)))).toHaveLength(1);
  });

  it('never serves a damaged stored file, and a new upload of it mends the store', async () => {
    const lot = await f.lot();
    const data = Buffer.from('%PDF-1.5\nfinal test report for unit 7\n%%EOF\n');
    const res = await upload(`/lots/${lot.code}/attachments`, { file: { name: 'report.pdf', data } });
    const id = res.body.id as number;
    const path = localBlobPath(attachmentsDir(), sha(data));
    const damaged = Buffer.from(await readFile(path));
    damaged[20] = damaged[20]! ^ 0xff; // one flipped byte, same size
    await writeFile(path, damaged);

    const file = await download(id);
    expect(file.status).toBe(500);
    expect(file.headers.get('content-type')).toContain('application/problem+json');
    const problem = JSON.parse(file.data.toString()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      type: 'https://buildtrace.dev/problems/stored-file-damaged',
      sha256: sha(data),
    });
    expect(problem.detail).toMatch(
      /failed its integrity check \(the stored file no longer matches its SHA-256\)/,
    );
    expect(file.data.includes(damaged.subarray(0, 20))).toBe(false);

    await writeFile(path, damaged.subarray(0, 10));
    expect((await download(id)).status).toBe(500);

    const again = await upload(`/lots/${lot.code}/attachments`, { file: { name: 'report-again.pdf', data } });
    expect(again.status).toBe(201);
    const mended = await download(id);
    expect(mended.status).toBe(200);
    expect(mended.data.equals(data)).toBe(true);
  });

  it('attaches to builds and history events; the timeline shows them', async () => {
    const part = await f.part();
    await f.lot({ part: part.code, quantity: 10 });
    const project = await f.project({ lines: [{ part: part.code, quantity: 1 }] });
    const build = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: 2, start: false },
    });
    const buildCode = (build.body.build as { code: string }).code;
    const onBuild = await upload(`/builds/${buildCode}/attachments`, {
      file: { name: 'traveller.pdf', data: PDF },
    });
    expect(onBuild.status, onBuild.text).toBe(201);
    expect(onBuild.body.target).toEqual({ lot: null, build: buildCode, event: null });
    const buildList = await ctx.api('GET', `/api/v1/builds/${buildCode}/attachments`);
    expect((buildList.body.items as unknown[]).length).toBe(1);

    const lot = await f.lot();
    const note = await ctx.api('POST', `/api/v1/lots/${lot.code}/notes`, {
      body: { text: 'scratch on housing' },
    });
    const photo = PNG;
    const onEvent = await upload(`/lots/${lot.code}/history/${note.body.id as number}/attachments`, {
      file: { name: 'scratch.png', data: photo },
    });
    expect(onEvent.status, onEvent.text).toBe(201);
    expect(onEvent.body.target).toEqual({ lot: lot.code, build: null, event: note.body.id });
    const timeline = await ctx.api('GET', `/api/v1/lots/${lot.code}/history`);
    expect(
      (timeline.body.items as { attachments: { filename: string; download: string }[] }[])[0]!.attachments,
    ).toEqual([
      expect.objectContaining({
        filename: 'scratch.png',
        mediaType: 'image/png',
        download: expect.stringMatching(/content$/),
      }),
    ]);
    const all = await ctx.api('GET', `/api/v1/lots/${lot.code}/attachments`);
    expect((all.body.items as unknown[]).length).toBe(1);
    const direct = await ctx.api('GET', `/api/v1/lots/${lot.code}/attachments?events=false`);
    expect((direct.body.items as unknown[]).length).toBe(0);

    const other = await f.lot();
    await unchanged(
      () =>
        upload(`/lots/${other.code}/history/${note.body.id as number}/attachments`, {
          file: { name: 'x.png', data: photo },
        }),
      404,
    );
  });

  it('refuses a file in another field, a second file and a field sent as a file, keeping nothing', async () => {
    const lot = await f.lot();
    const send = (form: FormData) =>
      fetch(`${ctx.url}/api/v1/lots/${lot.code}/attachments`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${ctx.tokens.operator}` },
      }).then(async (r) => ({ status: r.status, text: await r.text() }));
    const form = (...parts: [name: string, value: string | Blob, filename?: string][]) => {
      const data = new FormData();
      for (const [name, value, filename] of parts)
        if (typeof value === 'string') data.append(name, value);
        else data.append(name, value, filename);
      return data;
    };
    const pdf = new Blob([PDF], { type: 'application/pdf' });
    const other = await unchanged(() => send(form(['photo', pdf, 'a.pdf'], ['file', pdf, 'b.pdf'])), 400);
    expect(JSON.parse(other.text).errors).toEqual([{ field: 'photo', message: 'is not a known field' }]);
    const twice = await unchanged(() => send(form(['file', pdf, 'a.pdf'], ['file', pdf, 'b.pdf'])), 400);
    expect(JSON.parse(twice.text).errors).toEqual([expect.objectContaining({ field: 'file' })]);
    const note = await unchanged(() => send(form(['note', pdf, 'note.pdf'], ['file', pdf, 'a.pdf'])), 400);
    expect(JSON.parse(note.text).errors).toEqual([{ field: 'note', message: 'must be text, not a file' }]);
    const long = await unchanged(() => send(form(['note', 'x'.repeat(1_001)], ['file', pdf, 'a.pdf'])), 400);
    expect(JSON.parse(long.text).errors).toEqual([{ field: 'note', message: 'is longer than 1000 bytes' }]);
  });

  it('refuses bad uploads before or while reading them, keeping nothing', async () => {
    const lot = await f.lot();
    const file = { name: 'a.pdf', data: PDF };
    const viewer = await unchanged(() => upload(`/lots/${lot.code}/attachments`, { file }, 'viewer'), 403);
    expect(viewer.text).toContain('operator');
    await unchanged(() => upload(`/lots/not-a-code/attachments`, { file }), 400);
    await unchanged(() => upload(`/lots/${lot.code}/attachments`, { note: 'no file' }), 400);
    const unknown = await unchanged(
      () => upload(`/lots/${lot.code}/attachments`, { file, extra: { colour: 'red' } }),
      400,
    );
    expect(JSON.parse(unknown.text).errors).toEqual([{ field: 'colour', message: 'is not a known field' }]);
    const json = await unchanged(
      () =>
        ctx.api('POST', `/api/v1/lots/${lot.code}/attachments`, { role: 'operator', body: { file: 'x' } }),
      415,
    );
    expect(JSON.parse(json.text).errors).toEqual([expect.objectContaining({ field: 'file' })]);
    const truncated = await unchanged(
      () =>
        fetch(`${ctx.url}/api/v1/lots/${lot.code}/attachments`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${ctx.tokens.operator}`,
            'content-type': 'multipart/form-data; boundary=xyz',
          },
          body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello',
        }).then(async (r) => ({ status: r.status, text: await r.text() })),
      400,
    );
    expect(truncated.text).toContain('ended before the closing boundary');
  });
});
