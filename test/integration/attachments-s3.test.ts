/**
 * Attachments on an S3-compatible store, against a real server: upload, download, one object per
 * SHA-256, a damaged object detected on read and mended by a new upload.
 *
 * The server: TEST_S3_ENDPOINT (with TEST_S3_BUCKET, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY;
 * defaults suit s3rver), or else s3rver started in-process when the package is installed
 * (`npm i -D s3rver`). Without either the file is skipped, saying so. s3rver speaks the S3 REST API
 * (it does not check request signatures; the AWS SDK signs them).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3BlobStore } from '../../src/storage/s3.ts';
import { factories } from '../factories.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';

interface S3Server {
  endpoint: string;
  close(): Promise<void>;
}

async function startServer(): Promise<S3Server | null> {
  if (process.env.TEST_S3_ENDPOINT) return { endpoint: process.env.TEST_S3_ENDPOINT, close: async () => {} };
  const name = 's3rver';
  let S3rver: new (options: Record<string, unknown>) => {
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  };
  try {
    S3rver = ((await import(name)) as { default: typeof S3rver }).default;
  } catch {
    return null;
  }
  const directory = await mkdtemp(join(tmpdir(), 'bt-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

const server = await startServer();
if (!server)
  console.warn('attachments-s3: skipped — set TEST_S3_ENDPOINT or install s3rver to test the S3 store');

const PDF = Buffer.from('%PDF-1.4\n% functional test report, unit 12\n%%EOF\n');
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe.skipIf(!server)('attachments on an S3-compatible store', () => {
  let ctx: TestContext;
  let f: ReturnType<typeof factories>;
  const prefix = `bt-test-${randomBytes(4).toString('hex')}/`;
  const settings = {
    endpoint: server?.endpoint ?? '',
    region: process.env.TEST_S3_REGION ?? 'us-east-1',
    bucket: process.env.TEST_S3_BUCKET ?? 'buildtrace-test',
    accessKeyId: process.env.TEST_S3_ACCESS_KEY_ID ?? 'S3RVER',
    secretAccessKey: process.env.TEST_S3_SECRET_ACCESS_KEY ?? 'S3RVER',
  };
  let store: ReturnType<typeof s3BlobStore>;

  async function upload(path: string, name: string, data: Buffer) {
    const form = new FormData();
    form.append('file', new Blob([data]), name);
    const res = await fetch(`${ctx.url}/api/v1${path}`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${ctx.tokens.operator}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  async function download(id: number) {
    const res = await fetch(`${ctx.url}/api/v1/attachments/${id}/content`, {
      headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
    });
    return { status: res.status, headers: res.headers, data: Buffer.from(await res.arrayBuffer()) };
  }

  beforeAll(async () => {
    ctx = await createTestContext({
      env: {
        ATTACHMENT_STORE: 's3',
        S3_ENDPOINT: settings.endpoint,
        S3_REGION: settings.region,
        S3_BUCKET: settings.bucket,
        S3_ACCESS_KEY_ID: settings.accessKeyId,
        S3_SECRET_ACCESS_KEY: settings.secretAccessKey,
        S3_PREFIX: prefix,
      },
    });
    f = factories({ uow: ctx.uow });
    store = s3BlobStore({
      ...settings,
      prefix,
      forcePathStyle: true,
      stagingDir: join(tmpdir(), `bt-s3-${prefix}`),
    });
    await store.ensureBucket();
  });
  afterAll(async () => {
    await ctx?.close();
    await server?.close();
  });

  it('stores uploads in the bucket by SHA-256, once, and serves them checked', async () => {
    expect(ctx.blobs.kind).toBe('s3');
    const [a, b] = [await f.lot(), await f.lot()];
    const first = await upload(`/lots/${a.code}/attachments`, 'report.pdf', PDF);
    const second = await upload(`/lots/${b.code}/attachments`, 'copy.pdf', PDF);
    expect([first.status, second.status]).toEqual([201, 201]);
    const key = `${prefix}sha256/${sha(PDF).slice(0, 2)}/${sha(PDF)}`;
    const listed = await store.client.send(
      new ListObjectsV2Command({ Bucket: settings.bucket, Prefix: prefix }),
    );
    expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);

    const file = await download(first.body.id as number);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toBe('attachment; filename=report.pdf');
    expect(file.data.equals(PDF)).toBe(true);
  });

  it('detects a damaged object on read and mends it with a new upload', async () => {
    const lot = await f.lot();
    const data = Buffer.from('%PDF-1.4\n% calibration certificate 2026-11\n%%EOF\n');
    const res = await upload(`/lots/${lot.code}/attachments`, 'cal.pdf', data);
    const key = `${prefix}sha256/${sha(data).slice(0, 2)}/${sha(data)}`;
    const damaged = Buffer.from(data);
    damaged[12] = damaged[12]! ^ 0xff;
    await store.client.send(new PutObjectCommand({ Bucket: settings.bucket, Key: key, Body: damaged }));

    const broken = await download(res.body.id as number);
    expect(broken.status).toBe(500);
    expect(JSON.parse(broken.data.toString())).toMatchObject({
      type: 'https://buildtrace.dev/problems/stored-file-damaged',
    });

    expect((await upload(`/lots/${lot.code}/attachments`, 'cal-again.pdf', data)).status).toBe(201);
    const mended = await download(res.body.id as number);
    expect(mended.status).toBe(200);
    expect(mended.data.equals(data)).toBe(true);
  });
});
