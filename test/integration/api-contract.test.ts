/**
 * Every API endpoint, against real PostgreSQL: a valid request succeeds; without a token → 401; with
 * too small a role → 403; an unknown object in the path (each path parameter) or named in the body →
 * 404; each missing required field (from the command's schema) and an ill-typed field or bad
 * query/path value → 400 naming it. After every refused request the database — rows and sequences —
 * is exactly as before. Every answer (status, media type, body) is what the generated OpenAPI document
 * says the operation answers.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../src/commands/define.ts';
import { signInWithToken } from '../../src/commands/sessions.ts';
import { IdCodeGenerator } from '../../src/domain/id-code.ts';
import { roleAllows, type Role } from '../../src/domain/roles.ts';
import { z } from 'zod';
import { pathParams, type RouteDef } from '../../src/http/route.ts';
import { apiRoutes } from '../../src/http/routes/index.ts';
import { factories } from '../factories.ts';
import { documentChecker, type DocumentChecker } from '../helpers/openapi.ts';
import { quiesce, settledBuild, startBackground, type Background } from '../helpers/background.ts';
import {
  createTestContext,
  databaseFingerprint,
  type ApiResponse,
  type TestContext,
} from '../helpers/context.ts';

let ctx: TestContext;
let f: ReturnType<typeof factories>;
let bg: Background;
let doc: DocumentChecker;

const KICAD = 'Reference,Value,Footprint,Qty,MPN\n"R1,R2",10k,R_0603,2,RC0603FR-0710KL\n';
const unknownCode = new IdCodeGenerator(randomBytes(32)).codeFor(123_456_789);

interface Prepared {
  params?: Record<string, string | number>;
  body?: Record<string, unknown>;
  query?: string;
  /** A body that is not JSON (a multipart upload), with its headers. */
  raw?: string;
  headers?: Record<string, string>;
}
interface Case {
  /** Fresh objects for one request; called once per check so a success never spoils another check. */
  prepare: () => Promise<Prepared>;
  /**
   * A field with a wrong type or value: must give 400 naming `field`. Every write route has one —
   * where no field is required it is the only body check (missing fields come from the schema).
   */
  illTyped?: { field: string; value: unknown; expectField?: string };
  /** A bad query or path value that must give 400 naming the field. */
  badQuery?: { query?: string; params?: Record<string, string>; field: string };
  /**
   * Path values naming objects that do not exist (beside the first {code}/{id}, which is always
   * tried): each, laid over the prepared ones, must give 404.
   */
  notFound?: Record<string, string | number>[];
  /** Why a path parameter cannot be unknown (the route creates what it names). */
  creates?: string;
  /** Body fields naming objects that do not exist: each patch, laid over the body, must give 404. */
  unknownRefs?: { body: Record<string, unknown>; field: string }[];
}

const part = async () => (await f.part()).code;

/** A recall whose report a worker has written (so nothing changes in the background afterwards). */
async function readyRecall(): Promise<number> {
  const id = (await ctx.api('POST', '/api/v1/recalls', { body: { lot: await lot(), reason: 'x' } })).body
    .id as number;
  for (let i = 0; i < 400 && (await ctx.api('GET', `/api/v1/recalls/${id}`)).body.status === 'queued'; i++)
    await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 300)); // and its recall.ready event has been relayed and fanned out
  return id;
}

async function endpoint(): Promise<number> {
  return (
    await ctx.api('POST', '/api/v1/webhook-endpoints', {
      body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['recall.ready'] },
    })
  ).body.id as number;
}

/** A ping delivery whose attempts (to a closed port) are over. */
async function finishedDelivery(): Promise<number> {
  const id = (await ctx.api('POST', `/api/v1/webhook-endpoints/${await endpoint()}/test`, { body: {} })).body
    .id as number;
  await quiesce(ctx);
  return id;
}

/** A rendered label run. */
async function readyLabels(): Promise<number> {
  const id = (await ctx.api('POST', '/api/v1/labels', { body: { lots: [await lot()] } })).body.id as number;
  await quiesce(ctx);
  return id;
}

/** A planned build whose start a worker refused: something to retry. */
async function failedStart(): Promise<string> {
  const code = await aBuild();
  await ctx
    .db('builds')
    .where({ code })
    .update({ start_error: JSON.stringify({ message: 'a test refusal' }) });
  return code;
}

/** A label run (or recall) a worker gave up on. */
async function failedLabels(): Promise<number> {
  const id = await readyLabels();
  await ctx.db('label_runs').where({ id }).update({ status: 'failed', error: 'a test failure' });
  return id;
}
async function failedRecall(): Promise<number> {
  const id = await readyRecall();
  await ctx.db('recalls').where({ id }).update({ status: 'failed', error: 'a test failure' });
  return id;
}

/** A build of a one-line project with stock, optionally started and settled. */
async function aBuild(
  options: { start?: boolean; trackUnits?: boolean; stages?: string[]; advance?: boolean } = {},
): Promise<string> {
  const component = await f.part();
  await f.lot({ part: component.code, quantity: 1000 });
  const project = await f.project({ lines: [{ part: component.code, quantity: 1 }] });
  const res = await ctx.api('POST', '/api/v1/builds', {
    body: {
      project: project.code,
      quantity: 3,
      start: options.start ?? false,
      trackUnits: options.trackUnits ?? false,
      stages: options.stages ?? [],
    },
  });
  const code = (res.body.build as { code: string }).code;
  if (options.start)
    await settledBuild(
      ctx,
      code,
      // An untracked build makes its stock in one go; a tracked one generates its 3 units.
      (b) => b.status !== 'starting' && (b.progress as { generated: number }).generated === 3,
    );
  if (options.advance) {
    await ctx.api('POST', `/api/v1/builds/${code}/advance`, { body: {} });
    await settledBuild(ctx, code);
  }
  return code;
}
const lot = async (overrides = {}) => (await f.lot(overrides)).code;

/** A device (unit of a tracked build), available, optionally moved further along its lifecycle. */
async function device(state: 'available' | 'shipped' | 'repaired' = 'available'): Promise<string> {
  const build = await aBuild({ start: true, trackUnits: true });
  const code = ((await ctx.api('GET', `/api/v1/builds/${build}/units`)).body.items as { code: string }[])[0]!
    .code;
  if (state !== 'available')
    await ctx.api('POST', `/api/v1/lots/${code}/ship`, { body: { customer: 'Acme' } });
  if (state === 'repaired') {
    await ctx.api('POST', `/api/v1/lots/${code}/return`, { body: { rma: 'RMA-1', reason: 'noise' } });
    await ctx.api('POST', `/api/v1/lots/${code}/repair`, { body: { symptom: 'noise', action: 'fixed' } });
  }
  return code;
}

/** A device with a MAC address. */
let macs = 0;
async function identified(): Promise<{ code: string; kind: string; value: string }> {
  const code = await device();
  const value = `02:00:00:00:${String(Math.floor(++macs / 100)).padStart(2, '0')}:${String(macs % 100).padStart(2, '0')}`;
  const res = await ctx.api('POST', `/api/v1/lots/${code}/identifiers`, { body: { kind: 'mac', value } });
  expect(res.status, res.text).toBe(201);
  return { code, kind: 'mac', value };
}

/** An open shipment, optionally with a device packed in it (answers its id and the device). */
async function shipment(options: { packed?: boolean } = {}): Promise<{ id: number; unit?: string }> {
  const id = (await ctx.api('POST', '/api/v1/shipments', { body: { customer: 'Acme', order: 'PO-1' } })).body
    .id as number;
  if (!options.packed) return { id };
  const unit = await device();
  await ctx.api('POST', `/api/v1/shipments/${id}/units`, { body: { unit } });
  return { id, unit };
}

/** A lot with a note on its timeline. */
async function noted(): Promise<{ code: string; id: number }> {
  const code = await lot();
  const note = await ctx.api('POST', `/api/v1/lots/${code}/notes`, { body: { text: 'seen' } });
  return { code, id: note.body.id as number };
}

const BOUNDARY = 'contract-boundary';
const multipart = {
  raw: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="log.txt"\r\nContent-Type: text/plain\r\n\r\nall tests passed\r\n--${BOUNDARY}--\r\n`,
  headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
};

/** An attachment on a fresh lot. */
async function attachment(): Promise<number> {
  const res = await ctx.api('POST', `/api/v1/lots/${await lot()}/attachments`, {
    body: multipart.raw,
    headers: multipart.headers,
  });
  return res.body.id as number;
}
const newSlackUserId = () => `U${randomBytes(5).toString('hex').toUpperCase()}`;
/** A Slack user with a role. */
async function slackUser(): Promise<string> {
  const user = newSlackUserId();
  await ctx.api('PUT', `/api/v1/slack-users/${user}`, { body: { role: 'viewer' } });
  return user;
}

/** A printer that never answers (a closed loopback port): its print runs pause as unreachable. */
let printers = 0;
async function printer(): Promise<string> {
  const name = `Zebra contract ${++printers}`;
  const res = await ctx.api('POST', '/api/v1/printers', {
    body: { name, driver: 'zpl', address: '127.0.0.1:9', template: 'zebra-2x1in' },
  });
  expect(res.status, res.text).toBe(201);
  return name;
}

/** A print run paused because its printer cannot be reached (no printer watch runs here). */
async function pausedPrint(): Promise<number> {
  const id = (
    await ctx.api('POST', '/api/v1/labels', { body: { lots: [await lot()], printer: await printer() } })
  ).body.id as number;
  for (let i = 0; i < 400 && (await ctx.api('GET', `/api/v1/labels/${id}`)).body.status !== 'paused'; i++)
    await new Promise((r) => setTimeout(r, 25));
  await quiesce(ctx);
  return id;
}

/** A project or location with a printer of its own. */
async function assigned(scope: 'projects' | 'locations'): Promise<string> {
  const code = scope === 'projects' ? (await f.project()).code : (await f.location()).code;
  const res = await ctx.api('PUT', `/api/v1/${scope}/${code}/printer`, {
    body: { printer: await printer() },
  });
  expect(res.status, res.text).toBe(200);
  return code;
}

const printerCases = (
  scope: 'projects' | 'locations',
  fresh: () => Promise<string>,
): Record<string, Case> => ({
  [`GET /${scope}/{code}/printer`]: {
    prepare: async () => ({ params: { code: await assigned(scope) } }),
    badQuery: { params: { code: 'P_1' }, field: 'code' },
  },
  [`PUT /${scope}/{code}/printer`]: {
    prepare: async () => ({
      params: { code: await fresh() },
      body: { printer: await printer(), autoPrint: true },
    }),
    illTyped: { field: 'autoPrint', value: 'yes' },
    unknownRefs: [{ body: { printer: 'No such printer' }, field: 'printer' }],
  },
  [`DELETE /${scope}/{code}/printer`]: {
    prepare: async () => ({ params: { code: await assigned(scope) } }),
    badQuery: { params: { code: 'P_1' }, field: 'code' },
  },
});

const CASES: Record<string, Case> = {
  'GET /parts': { prepare: async () => ({}), badQuery: { query: 'limit=abc', field: 'limit' } },
  'POST /parts': {
    prepare: async () => ({ body: { name: 'Resistor 10k', mpn: 'X1' } }),
    illTyped: { field: 'kind', value: 5 },
  },
  'GET /parts/{code}': {
    prepare: async () => ({ params: { code: await part() } }),
    badQuery: { params: { code: 'not-a-code' }, field: 'code' },
  },
  'PATCH /parts/{code}': {
    prepare: async () => ({ params: { code: await part() }, body: { name: 'Renamed' } }),
    illTyped: { field: 'name', value: 123 },
  },
  'DELETE /parts/{code}': {
    prepare: async () => ({ params: { code: await part() } }),
    badQuery: { params: { code: 'ZZZ' }, field: 'code' },
  },
  'GET /locations': { prepare: async () => ({}), badQuery: { query: 'limit=0', field: 'limit' } },
  'POST /locations': {
    prepare: async () => ({ body: { name: `Shelf ${randomBytes(3).toString('hex')}` } }),
    illTyped: { field: 'description', value: { a: 1 } },
  },
  'GET /locations/{code}': {
    prepare: async () => ({ params: { code: (await f.location()).code } }),
    badQuery: { params: { code: '123' }, field: 'code' },
  },
  'PATCH /locations/{code}': {
    prepare: async () => ({ params: { code: (await f.location()).code }, body: { description: 'x' } }),
    illTyped: { field: 'name', value: '' },
  },
  'DELETE /locations/{code}': {
    prepare: async () => ({ params: { code: (await f.location()).code } }),
    badQuery: { params: { code: 'SHELF#1' }, field: 'code' },
  },
  'GET /lots': { prepare: async () => ({}), badQuery: { query: 'status=lost', field: 'status' } },
  'POST /lots': {
    prepare: async () => ({ body: { part: await part(), quantity: 5, supplier: 'Mouser' } }),
    illTyped: { field: 'quantity', value: -3 },
    unknownRefs: [
      { body: { part: unknownCode }, field: 'part' },
      { body: { location: unknownCode }, field: 'location' },
    ],
  },
  'POST /lots/receive-scan': {
    prepare: async () => {
      const mpn = `LM358DR-${randomBytes(3).toString('hex')}`;
      await f.part({ mpn });
      return { body: { scan: `[)>\u001e06\u001d1P${mpn}\u001dQ10\u001e\u0004` } };
    },
    illTyped: { field: 'scan', value: 42 },
    unknownRefs: [{ body: { location: unknownCode }, field: 'location' }],
  },
  'GET /lots/{code}': {
    prepare: async () => ({ params: { code: await lot() } }),
    badQuery: { params: { code: 'ABCDEFGHJKM' }, field: 'code' },
  },
  'PATCH /lots/{code}': {
    prepare: async () => ({ params: { code: await lot() }, body: { supplier: 'Farnell' } }),
    illTyped: { field: 'expiresOn', value: 'tomorrow' },
  },
  'POST /lots/{code}/move': {
    prepare: async () => ({ params: { code: await lot() }, body: { location: (await f.location()).code } }),
    illTyped: { field: 'location', value: 42 },
    unknownRefs: [{ body: { location: unknownCode }, field: 'location' }],
  },
  'POST /lots/{code}/split': {
    prepare: async () => ({ params: { code: await lot() }, body: { quantity: 10 } }),
    illTyped: { field: 'quantity', value: 'ten' },
  },
  'POST /lots/{code}/adjust': {
    prepare: async () => ({ params: { code: await lot() }, body: { delta: -5, reason: 'cycle count' } }),
    illTyped: { field: 'delta', value: 1.5 },
  },
  'POST /lots/{code}/quarantine': {
    prepare: async () => ({ params: { code: await lot() }, body: { reason: 'suspect reel' } }),
    illTyped: { field: 'reason', value: [] },
  },
  'POST /lots/{code}/release': {
    prepare: async () => {
      const code = await lot();
      await ctx.api('POST', `/api/v1/lots/${code}/quarantine`, { body: { reason: 'check' } });
      return { params: { code }, body: {} };
    },
    illTyped: { field: 'reason', value: 5 },
  },
  'GET /lots/{code}/ledger': {
    prepare: async () => ({ params: { code: await lot() } }),
    badQuery: { query: 'cursor=garbage', field: 'cursor' },
  },
  'GET /lots/{code}/identifiers': {
    prepare: async () => ({ params: { code: (await identified()).code } }),
    badQuery: { params: { code: 'nope' }, field: 'code' },
  },
  'POST /lots/{code}/identifiers': {
    prepare: async () => ({
      params: { code: await device() },
      body: { kind: 'imei', value: '490154203237518' },
    }),
    illTyped: { field: 'kind', value: 'IMEI' },
  },
  'DELETE /lots/{code}/identifiers/{kind}/{value}': {
    prepare: async () => ({ params: await identified() }),
    badQuery: { params: { value: 'aa:bb' }, field: 'value' },
    notFound: [{ kind: 'asset_tag' }, { value: '02:00:00:99:99:99' }],
  },
  'GET /search': {
    prepare: async () => ({ query: `q=${await part()}` }),
    badQuery: { query: 'q=', field: 'q' },
  },
  'GET /projects': { prepare: async () => ({}), badQuery: { query: 'limit=100000', field: 'limit' } },
  'POST /projects': {
    prepare: async () => ({
      body: {
        name: `Board ${randomBytes(3).toString('hex')}`,
        lines: [{ part: await part(), quantity: 2, designators: ['R1', 'R2'] }],
      },
    }),
    illTyped: { field: 'lines', value: 'R1' },
    unknownRefs: [{ body: { lines: [{ part: unknownCode, quantity: 1 }] }, field: 'lines.0.part' }],
  },
  'GET /projects/{code}': {
    prepare: async () => ({ params: { code: (await f.project()).code } }),
    badQuery: { params: { code: 'P_1' }, field: 'code' },
  },
  'PATCH /projects/{code}': {
    prepare: async () => ({
      params: { code: (await f.project()).code },
      body: { serialFormat: 'B-{seq:04}' },
    }),
    illTyped: { field: 'serialFormat', value: 'no-seq' },
  },
  'DELETE /projects/{code}': {
    prepare: async () => ({ params: { code: (await f.project()).code } }),
    badQuery: { params: { code: 'x'.repeat(200) }, field: 'code' },
  },
  'PUT /projects/{code}/lines': {
    prepare: async () => ({
      params: { code: (await f.project()).code },
      body: { lines: [{ part: await part(), quantity: 1 }] },
    }),
    illTyped: { field: 'lines', value: [{ part: 'X', quantity: 0 }], expectField: 'lines.0.quantity' },
    unknownRefs: [{ body: { lines: [{ part: unknownCode, quantity: 1 }] }, field: 'lines.0.part' }],
  },
  'POST /projects/{code}/bom': {
    prepare: async () => ({ params: { code: (await f.project()).code }, body: { csv: KICAD } }),
    illTyped: { field: 'mode', value: 'append' },
  },
  'POST /bom-imports': {
    prepare: async () => ({
      body: { projectName: `Import ${randomBytes(3).toString('hex')}`, createProject: true, csv: KICAD },
    }),
    illTyped: { field: 'dryRun', value: 'yes' },
  },
  'GET /builds': { prepare: async () => ({}), badQuery: { query: 'status=lost', field: 'status' } },
  'POST /builds': {
    prepare: async () => {
      const component = await f.part();
      await f.lot({ part: component.code, quantity: 100 });
      return {
        body: {
          project: (await f.project({ lines: [{ part: component.code, quantity: 1 }] })).code,
          quantity: 2,
        },
      };
    },
    illTyped: { field: 'quantity', value: 0 },
    unknownRefs: [
      { body: { project: unknownCode }, field: 'project' },
      { body: { lots: [{ lot: unknownCode }] }, field: 'lots.0.lot' },
      { body: { lots: [{ lot: unknownCode }], start: false }, field: 'lots.0.lot' },
      { body: { location: unknownCode }, field: 'location' },
    ],
  },
  'GET /builds/{code}': {
    prepare: async () => ({ params: { code: await aBuild() } }),
    badQuery: { params: { code: 'B-1' }, field: 'code' },
  },
  'POST /builds/{code}/start': {
    prepare: async () => ({ params: { code: await aBuild() }, body: {} }),
    illTyped: { field: 'force', value: true },
  },
  'POST /builds/{code}/advance': {
    prepare: async () => ({
      params: { code: await aBuild({ start: true, stages: ['Assembly'] }) },
      body: { comment: 'ok' },
    }),
    illTyped: { field: 'comment', value: 42 },
  },
  'POST /builds/{code}/complete': {
    prepare: async () => ({
      params: { code: await aBuild({ start: true, trackUnits: true, stages: ['Assembly'], advance: true }) },
      body: { serials: '1-2' },
    }),
    illTyped: { field: 'serials', value: { from: 1 } },
  },
  'POST /builds/{code}/cancel': {
    prepare: async () => ({ params: { code: await aBuild() }, body: { reason: 'not needed' } }),
    illTyped: { field: 'reason', value: '' },
  },
  'POST /builds/{code}/retry': {
    prepare: async () => ({ params: { code: await failedStart() }, body: {} }),
    illTyped: { field: 'force', value: true },
  },
  'GET /builds/{code}/consumption': {
    prepare: async () => ({ params: { code: await aBuild() } }),
    badQuery: { params: { code: "B'1" }, field: 'code' },
  },
  'GET /builds/{code}/units': {
    prepare: async () => ({ params: { code: await aBuild() } }),
    badQuery: { query: 'status=gone', field: 'status' },
  },
  'GET /builds/{code}/units/{serial}': {
    prepare: async () => ({ params: { code: await aBuild({ start: true, trackUnits: true }), serial: 2 } }),
    badQuery: { params: { serial: 'two' }, field: 'serial' },
    notFound: [{ serial: 99 }],
  },
  'POST /builds/{code}/units/scrap': {
    prepare: async () => ({
      params: { code: await aBuild({ start: true, trackUnits: true, stages: ['Assembly'] }) },
      body: { serials: [1], reason: 'dropped' },
    }),
    illTyped: { field: 'serials', value: 'one' },
  },
  'GET /trace/backward/{code}': {
    prepare: async () => ({ params: { code: await lot() } }),
    badQuery: { params: { code: 'nope' }, field: 'code' },
  },
  'GET /trace/forward/{code}': {
    prepare: async () => ({ params: { code: await lot() } }),
    badQuery: { query: 'from=yesterday', field: 'from' },
  },
  'POST /recalls': {
    prepare: async () => ({ body: { lot: await lot(), reason: 'bad batch' } }),
    illTyped: { field: 'unitsOnly', value: 'yes' },
    unknownRefs: [{ body: { lot: unknownCode }, field: 'lot' }],
  },
  'GET /recalls': { prepare: async () => ({}), badQuery: { query: 'limit=x', field: 'limit' } },
  'GET /recalls/{id}': {
    prepare: async () => ({ params: { id: await readyRecall() } }),
    badQuery: { params: { id: 'first' }, field: 'id' },
  },
  'POST /recalls/{id}/retry': {
    prepare: async () => ({ params: { id: await failedRecall() }, body: {} }),
    illTyped: { field: 'reason', value: 5 },
  },
  'GET /recalls/{id}/report.csv': {
    prepare: async () => ({ params: { id: await readyRecall() } }),
    badQuery: { params: { id: '-1' }, field: 'id' },
  },
  'POST /shipments': {
    prepare: async () => ({ body: { customer: 'Acme', order: 'PO-7', note: 'fragile' } }),
    illTyped: { field: 'customer', value: ' ' },
  },
  'GET /shipments': { prepare: async () => ({}), badQuery: { query: 'status=lost', field: 'status' } },
  'GET /shipments/{id}': {
    prepare: async () => ({ params: { id: (await shipment({ packed: true })).id } }),
    badQuery: { params: { id: 'x' }, field: 'shipment' },
  },
  'POST /shipments/{id}/units': {
    prepare: async () => ({ params: { id: (await shipment()).id }, body: { unit: await device() } }),
    illTyped: { field: 'unit', value: 5 },
    unknownRefs: [{ body: { unit: unknownCode }, field: 'unit' }],
  },
  'DELETE /shipments/{id}/units/{unit}': {
    prepare: async () => {
      const { id, unit } = await shipment({ packed: true });
      return { params: { id, unit: unit! } };
    },
    notFound: [{ unit: unknownCode }],
    badQuery: { params: { unit: 'x'.repeat(101) }, field: 'unit' },
  },
  'POST /shipments/{id}/ship': {
    prepare: async () => ({ params: { id: (await shipment({ packed: true })).id }, body: {} }),
    illTyped: { field: 'shippedOn', value: 'soon' },
  },
  'GET /shipments/{id}/packing-list.pdf': {
    prepare: async () => ({ params: { id: (await shipment({ packed: true })).id } }),
    badQuery: { params: { id: '0' }, field: 'shipment' },
  },
  'GET /shipments/{id}/packing-list.csv': {
    prepare: async () => ({ params: { id: (await shipment({ packed: true })).id } }),
    badQuery: { params: { id: '-1' }, field: 'shipment' },
  },
  'GET /label-templates': { prepare: async () => ({}), badQuery: { query: 'x=1', field: 'x' } },
  'POST /labels': {
    prepare: async () => ({ body: { lots: [await lot()] } }),
    illTyped: { field: 'template', value: 'dymo' },
    unknownRefs: [{ body: { lots: [unknownCode] }, field: 'lots.0' }],
  },
  'GET /labels': { prepare: async () => ({}), badQuery: { query: 'limit=9999', field: 'limit' } },
  'GET /labels/{id}': {
    prepare: async () => ({ params: { id: await readyLabels() } }),
    badQuery: { params: { id: 'x' }, field: 'id' },
  },
  'POST /labels/{id}/retry': {
    prepare: async () => ({ params: { id: await failedLabels() }, body: {} }),
    illTyped: { field: 'template', value: 'x' },
  },
  'POST /labels/{id}/resume': {
    prepare: async () => ({ params: { id: await pausedPrint() }, body: {} }),
    illTyped: { field: 'inDoubt', value: 'maybe' },
  },
  'POST /labels/{id}/cancel': {
    prepare: async () => ({ params: { id: await pausedPrint() }, body: {} }),
    illTyped: { field: 'force', value: true },
  },
  'POST /labels/{id}/reprint': {
    prepare: async () => ({ params: { id: await pausedPrint() }, body: { reason: 'smudged by flux' } }),
    illTyped: { field: 'labels', value: 5 },
    unknownRefs: [{ body: { printer: 'No such printer' }, field: 'printer' }],
  },
  'GET /labels/{id}/prints': {
    prepare: async () => ({ params: { id: await pausedPrint() } }),
    badQuery: { query: 'status=lost', field: 'status' },
  },
  'GET /printers': { prepare: async () => ({}), badQuery: { query: 'limit=9999', field: 'limit' } },
  'POST /printers': {
    prepare: async () => ({
      body: { name: `Zebra new ${++printers}`, driver: 'zpl', address: '10.0.4.21', template: 'zebra-2x1in' },
    }),
    illTyped: { field: 'driver', value: 'epson' },
    unknownRefs: [{ body: { location: unknownCode }, field: 'location' }],
  },
  'GET /printers/{printer}': {
    prepare: async () => ({ params: { printer: await printer() } }),
    notFound: [{ printer: 'No such printer' }],
    badQuery: { params: { printer: 'x'.repeat(61) }, field: 'printer' },
  },
  'PATCH /printers/{printer}': {
    prepare: async () => ({
      params: { printer: await printer() },
      body: { description: 'by the reflow oven' },
    }),
    illTyped: { field: 'dpi', value: 'high' },
    notFound: [{ printer: 'No such printer' }],
    unknownRefs: [{ body: { location: unknownCode }, field: 'location' }],
  },
  'DELETE /printers/{printer}': {
    prepare: async () => ({ params: { printer: await printer() } }),
    notFound: [{ printer: 'No such printer' }],
    badQuery: { params: { printer: 'x'.repeat(61) }, field: 'printer' },
  },
  ...printerCases('projects', async () => (await f.project()).code),
  ...printerCases('locations', async () => (await f.location()).code),
  'GET /labels/{id}/pdf': {
    prepare: async () => ({ params: { id: await readyLabels() } }),
    badQuery: { params: { id: '0' }, field: 'id' },
  },
  'GET /webhook-endpoints': { prepare: async () => ({}), badQuery: { query: 'cursor=%%%', field: 'cursor' } },
  'POST /webhook-endpoints': {
    prepare: async () => ({ body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['build.*'] } }),
    illTyped: { field: 'url', value: 'http://10.1.2.3/hook' },
  },
  'GET /webhook-endpoints/{id}': {
    prepare: async () => ({ params: { id: await endpoint() } }),
    badQuery: { params: { id: 'one' }, field: 'id' },
  },
  'PATCH /webhook-endpoints/{id}': {
    prepare: async () => ({ params: { id: await endpoint() }, body: { description: 'ERP' } }),
    illTyped: { field: 'enabled', value: 'yes' },
  },
  'DELETE /webhook-endpoints/{id}': {
    prepare: async () => ({ params: { id: await endpoint() } }),
    badQuery: { params: { id: '2.5' }, field: 'id' },
  },
  'POST /webhook-endpoints/{id}/rotate-secret': {
    prepare: async () => ({ params: { id: await endpoint() }, body: {} }),
    illTyped: { field: 'secret', value: 'whsec_x' },
  },
  'POST /webhook-endpoints/{id}/test': {
    prepare: async () => ({ params: { id: await endpoint() }, body: {} }),
    illTyped: { field: 'type', value: 'x' },
  },
  'GET /webhook-endpoints/{id}/deliveries': {
    prepare: async () => ({ params: { id: await endpoint() } }),
    badQuery: { query: 'status=lost', field: 'status' },
  },
  'GET /webhook-deliveries/{id}': {
    prepare: async () => ({ params: { id: await finishedDelivery() } }),
    badQuery: { params: { id: '1.5' }, field: 'id' },
  },
  'POST /webhook-deliveries/{id}/redeliver': {
    prepare: async () => ({ params: { id: await finishedDelivery() }, body: {} }),
    illTyped: { field: 'now', value: true },
  },
  'GET /codes/{code}': {
    prepare: async () => ({ params: { code: await part() } }),
    badQuery: { params: { code: 'xyz' }, field: 'code' },
  },
  'GET /tokens': { prepare: async () => ({}), badQuery: { query: 'limit=-1', field: 'limit' } },
  'POST /tokens': {
    prepare: async () => ({ body: { name: 'station 4', role: 'operator' } }),
    illTyped: { field: 'role', value: 'root' },
  },
  'DELETE /tokens/{id}': {
    prepare: async () => ({
      params: {
        id: (await ctx.api('POST', '/api/v1/tokens', { body: { name: 'temp', role: 'viewer' } })).body
          .id as number,
      },
    }),
    badQuery: { params: { id: 'abc' }, field: 'id' },
  },
  'GET /sessions': { prepare: async () => ({}), badQuery: { query: 'live=maybe', field: 'live' } },
  'DELETE /sessions/{id}': {
    prepare: async () => ({
      params: {
        id: (
          await execute(
            { uow: ctx.uow },
            signInWithToken,
            { name: 'page', role: 'viewer' },
            {
              token: ctx.tokens.viewer,
            },
          )
        ).session.id,
      },
    }),
    badQuery: { params: { id: 'abc' }, field: 'id' },
  },
  'GET /slack-users': { prepare: async () => ({}), badQuery: { query: 'limit=0', field: 'limit' } },
  'GET /slack-users/{user}': {
    prepare: async () => ({ params: { user: await slackUser() } }),
    badQuery: { params: { user: 'alice' }, field: 'user' },
    notFound: [{ user: newSlackUserId() }],
  },
  'PUT /slack-users/{user}': {
    prepare: async () => ({ params: { user: newSlackUserId() }, body: { role: 'operator', name: 'Line 2' } }),
    illTyped: { field: 'role', value: 'root' },
    creates: 'setting the role of an unknown Slack user adds the user',
  },
  'DELETE /slack-users/{user}': {
    prepare: async () => ({ params: { user: await slackUser() } }),
    badQuery: { params: { user: 'C0123' }, field: 'user' },
    notFound: [{ user: newSlackUserId() }],
  },
  'GET /work': { prepare: async () => ({}), badQuery: { query: 'limit=abc', field: 'limit' } },
  'POST /work/reconcile': {
    prepare: async () => ({ body: { invariants: false } }),
    illTyped: { field: 'invariants', value: 'maybe' },
  },
  'GET /lots/{code}/history': {
    prepare: async () => ({ params: { code: (await noted()).code } }),
    badQuery: { query: 'kind=gossip', field: 'kind' },
  },
  'GET /lots/{code}/history/{id}': {
    prepare: async () => ({ params: await noted() }),
    badQuery: { params: { id: 'first' }, field: 'id' },
    notFound: [{ id: 987_654_321 }],
  },
  'POST /lots/{code}/history/{id}/corrections': {
    prepare: async () => ({
      params: await noted(),
      body: { reason: 'typo', details: { text: 'seen twice' } },
    }),
    illTyped: { field: 'details', value: 'text' },
    notFound: [{ id: 987_654_321 }],
  },
  'POST /lots/{code}/notes': {
    prepare: async () => ({ params: { code: await lot() }, body: { text: 'reel re-sealed' } }),
    illTyped: { field: 'text', value: 5 },
  },
  'POST /lots/{code}/service': {
    prepare: async () => ({ params: { code: await device() }, body: { description: 'calibrated' } }),
    illTyped: { field: 'notes', value: 5 },
  },
  'POST /lots/{code}/repair': {
    prepare: async () => ({
      params: { code: await device() },
      body: { symptom: 'no boot', action: 'reflowed U1' },
    }),
    illTyped: { field: 'replacements', value: 'U1' },
  },
  'POST /lots/{code}/test-results': {
    prepare: async () => ({ params: { code: await device() }, body: { test: 'ICT', passed: true } }),
    illTyped: { field: 'measurements', value: [1, 2] },
  },
  'POST /builds/{code}/units/{serial}/test-results': {
    prepare: async () => ({
      params: { code: await aBuild({ start: true, trackUnits: true }), serial: 2 },
      body: { test: 'Functional', passed: false, station: 'fct-1' },
    }),
    illTyped: { field: 'startedAt', value: 'this morning' },
    notFound: [{ serial: 99 }],
  },
  'POST /test-results': {
    prepare: async () => ({ body: { results: [{ code: await device(), test: 'ICT', passed: true }] } }),
    illTyped: { field: 'results', value: [] },
  },
  'GET /lots/{code}/lifecycle': {
    prepare: async () => ({ params: { code: await device() } }),
    badQuery: { params: { code: 'nope' }, field: 'code' },
  },
  'POST /lots/{code}/ship': {
    prepare: async () => ({
      params: { code: await device() },
      body: { customer: 'Acme GmbH', order: 'SO-1' },
    }),
    illTyped: { field: 'shippedOn', value: 'soon' },
  },
  'POST /lots/{code}/return': {
    prepare: async () => ({
      params: { code: await device('shipped') },
      body: { rma: 'RMA-9', reason: 'rattles' },
    }),
    illTyped: { field: 'receivedOn', value: 1 },
  },
  'POST /lots/{code}/restock': {
    prepare: async () => ({ params: { code: await device('repaired') }, body: {} }),
    illTyped: { field: 'note', value: 5 },
  },
  'POST /lots/{code}/scrap': {
    prepare: async () => ({ params: { code: await device() }, body: { reason: 'dropped' } }),
    illTyped: { field: 'reason', value: '' },
  },
  'POST /lots/{code}/dispose': {
    prepare: async () => ({
      params: { code: await device() },
      body: { method: 'recycled', certificate: 'C-1' },
    }),
    illTyped: { field: 'method', value: 'burnt' },
  },
  'GET /projects/{code}/required-tests': {
    prepare: async () => ({ params: { code: (await f.project()).code } }),
    badQuery: { params: { code: 'x' }, field: 'code' },
  },
  'PUT /projects/{code}/required-tests': {
    prepare: async () => ({
      params: { code: (await f.project()).code },
      body: { tests: ['ICT', 'Functional'] },
    }),
    illTyped: { field: 'tests', value: 'ICT' },
  },
  'POST /lots/{code}/attachments': {
    prepare: async () => ({ params: { code: await lot() }, ...multipart }),
    badQuery: { params: { code: 'nope' }, field: 'code' },
  },
  'POST /builds/{code}/attachments': {
    prepare: async () => ({ params: { code: await aBuild() }, ...multipart }),
    badQuery: { params: { code: 'nope' }, field: 'code' },
  },
  'POST /lots/{code}/history/{id}/attachments': {
    prepare: async () => ({ params: await noted(), ...multipart }),
    badQuery: { params: { id: 'x' }, field: 'event' },
    notFound: [{ id: 987_654_321 }],
  },
  'GET /lots/{code}/attachments': {
    prepare: async () => ({ params: { code: await lot() } }),
    badQuery: { query: 'events=maybe', field: 'events' },
  },
  'GET /builds/{code}/attachments': {
    prepare: async () => ({ params: { code: await aBuild() } }),
    badQuery: { query: 'limit=0', field: 'limit' },
  },
  'GET /attachments/{id}': {
    prepare: async () => ({ params: { id: await attachment() } }),
    badQuery: { params: { id: 'x' }, field: 'id' },
  },
  'GET /attachments/{id}/content': {
    prepare: async () => ({ params: { id: await attachment() } }),
    badQuery: { params: { id: '0' }, field: 'id' },
  },
};

function pathFor(path: string, params: Record<string, string | number> = {}, query = ''): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(String(params[name] ?? '')),
  );
  return `/api/v1${filled}${query ? `?${query}` : ''}`;
}

/** Body fields the command requires (path parameters aside): leaving out any one must give 400. */
function requiredFields(def: RouteDef): string[] {
  if (def.upload) return [];
  const schema = z.toJSONSchema(def.command.input, { io: 'input', unrepresentable: 'any' }) as {
    required?: string[];
  };
  const fromPath = [
    ...pathParams(def.path).map((name) => def.params?.[name] ?? name),
    ...Object.keys(def.fixed ?? {}),
  ];
  return (schema.required ?? []).filter((field) => !fromPath.includes(field));
}

/** The first path parameter, when it is a {code} or {id} the generic 404 check replaces. */
function firstLookup(def: RouteDef): 'code' | 'id' | undefined {
  const first = pathParams(def.path)[0];
  return first === 'code' || first === 'id' ? first : undefined;
}

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  if (field)
    expect(
      (res.body.errors as { field: string }[] | undefined)?.map((e) => e.field),
      res.text,
    ).toContain(field);
}

const fingerprint = () => databaseFingerprint(ctx);

/** Runs a request that must be refused and checks that the database did not change. */
async function refused(
  method: string,
  path: string,
  status: number,
  options: {
    role?: Role | null;
    body?: unknown;
    headers?: Record<string, string>;
    field?: string;
    /** The operation's path in the document, to check the answer against. */
    template?: string;
  },
) {
  await quiesce(ctx);
  const before = await fingerprint();
  const res = await ctx.api(method, path, {
    role: options.role,
    body: options.body,
    headers: options.headers,
  });
  expectProblem(res, status, options.field);
  if (options.template) expect(doc.checkResponse(method, options.template, res)).toEqual([]);
  expect(await fingerprint()).toBe(before);
}

beforeAll(async () => {
  ctx = await createTestContext({
    env: { WEBHOOK_ALLOW_LIST: '127.0.0.1', WEBHOOK_RETRY_DELAYS_MS: '10', WEBHOOK_TIMEOUT_MS: '200' },
  });
  f = factories({ uow: ctx.uow });
  bg = await startBackground(ctx);
  doc = documentChecker((await ctx.api('GET', '/api/v1/openapi.json', { role: null })).body);
});
afterAll(async () => {
  await bg?.stop();
  await ctx?.close();
});

describe('API contract', () => {
  it('has a case for every route', () => {
    expect(apiRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort()).toEqual(
      Object.keys(CASES).sort(),
    );
  });

  it('checks every route for 400s, and every path parameter for 404', () => {
    const gaps: string[] = [];
    for (const def of apiRoutes) {
      const key = `${def.method.toUpperCase()} ${def.path}`;
      const c = CASES[key]!;
      const writes = !['get', 'delete'].includes(def.method) && !def.upload;
      if (requiredFields(def).length === 0 && !c.illTyped && !c.badQuery) gaps.push(`${key}: no 400 case`);
      // A body nothing requires is still checked: one ill-typed (or unknown) field.
      if (writes && !c.illTyped) gaps.push(`${key}: no ill-typed field`);
      const covered = new Set([firstLookup(def), ...(c.notFound ?? []).flatMap(Object.keys)]);
      for (const name of pathParams(def.path))
        if (!covered.has(name) && !c.creates) gaps.push(`${key}: no 404 case for {${name}}`);
    }
    expect(gaps).toEqual([]);
  });

  for (const def of apiRoutes) {
    const key = `${def.method.toUpperCase()} ${def.path}`;
    const c = CASES[key]!;
    const method = def.method.toUpperCase();
    const needsBody = !['GET', 'DELETE'].includes(method);
    const role = def.command.role;
    /** The prepared body (JSON or raw multipart) as a refused request sends it. */
    const sent = (p: Prepared) =>
      needsBody ? { body: p.raw ?? p.body, headers: p.raw ? p.headers : undefined } : {};

    describe(key, () => {
      it('succeeds with a valid request', async () => {
        const p = await c.prepare();
        const res = await ctx.api(method, pathFor(def.path, p.params, p.query), {
          body: needsBody ? (p.raw ?? p.body) : undefined,
          headers: p.headers,
        });
        expect(res.status, res.text).toBe(def.status ?? 200);
        expect(doc.checkResponse(method, def.path, res)).toEqual([]);
      });

      it('refuses a request without a token (401)', async () => {
        const p = await c.prepare();
        await refused(method, pathFor(def.path, p.params), 401, {
          role: null,
          ...sent(p),
          template: def.path,
        });
      });

      if (!roleAllows('viewer', role)) {
        it(`refuses a role below ${role} (403)`, async () => {
          const p = await c.prepare();
          const below: Role = role === 'admin' ? 'operator' : 'viewer';
          await refused(method, pathFor(def.path, p.params), 403, {
            role: below,
            ...sent(p),
            template: def.path,
          });
        });
      }

      const lookup = firstLookup(def);
      if (lookup) {
        it(`answers 404 for an unknown {${lookup}}`, async () => {
          const p = await c.prepare();
          const params = { ...p.params, [lookup]: lookup === 'code' ? unknownCode : 987_654_321 };
          await refused(method, pathFor(def.path, params), 404, { ...sent(p), template: def.path });
        });
      }

      for (const unknown of c.notFound ?? []) {
        const names = Object.keys(unknown).map((n) => `{${n}}`);
        it(`answers 404 for an unknown ${names.join(', ')}`, async () => {
          const p = await c.prepare();
          await refused(method, pathFor(def.path, { ...p.params, ...unknown }), 404, {
            ...sent(p),
            template: def.path,
          });
        });
      }

      for (const ref of c.unknownRefs ?? []) {
        it(`answers 404 naming ${ref.field} when it names an unknown object`, async () => {
          const p = await c.prepare();
          await refused(method, pathFor(def.path, p.params), 404, {
            body: { ...p.body, ...ref.body },
            field: ref.field,
            template: def.path,
          });
        });
      }

      for (const field of requiredFields(def)) {
        it(`answers 400 naming ${field} when it is missing`, async () => {
          const p = await c.prepare();
          const body = { ...p.body };
          delete body[field];
          // A GET takes its fields from the query: leaving the prepared query off leaves them out.
          await refused(method, pathFor(def.path, p.params), 400, {
            body: needsBody ? body : undefined,
            field,
            template: def.path,
          });
        });
      }

      if (c.illTyped) {
        it(`answers 400 naming ${c.illTyped.field} when it is ill-typed`, async () => {
          const p = await c.prepare();
          const body = { ...p.body, [c.illTyped!.field]: c.illTyped!.value };
          await refused(method, pathFor(def.path, p.params), 400, {
            body,
            field: c.illTyped!.expectField ?? c.illTyped!.field,
            template: def.path,
          });
        });
      }

      if (c.badQuery) {
        it(`answers 400 naming ${c.badQuery.field} for a bad ${c.badQuery.params ? 'path' : 'query'} value`, async () => {
          const p = await c.prepare();
          await refused(
            method,
            pathFor(def.path, { ...p.params, ...c.badQuery!.params }, c.badQuery!.query),
            400,
            { ...sent(p), field: c.badQuery!.field, template: def.path },
          );
        });
      }
    });
  }

  it('refuses unknown fields, a non-object body and invalid JSON, naming them', async () => {
    await refused('POST', '/api/v1/parts', 400, { body: { name: 'x', colour: 'red' }, field: 'colour' });
    await refused('POST', '/api/v1/parts', 400, { body: '[1,2]', field: '(body)' });
    await refused('POST', '/api/v1/parts', 400, {
      body: '{"name": ',
      headers: { 'content-type': 'application/json' },
      field: '(body)',
    });
  });

  it('answers unknown endpoints and a revoked token as problems', async () => {
    expectProblem(await ctx.api('GET', '/api/v1/nothing-here'), 404);
    const created = await ctx.api('POST', '/api/v1/tokens', { body: { name: 'short-lived', role: 'admin' } });
    await ctx.api('DELETE', `/api/v1/tokens/${created.body.id as number}`);
    const res = await fetch(`${ctx.url}/api/v1/parts`, {
      headers: { authorization: `Bearer ${created.body.token as string}` },
    });
    expect(res.status).toBe(401);
  });
});
