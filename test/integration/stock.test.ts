/** Lot operations, projects and BOM import, ID code resolution and idempotency through the API. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
let f: ReturnType<typeof factories>;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

beforeAll(async () => {
  ctx = await createTestContext();
  f = factories({ uow: ctx.uow });
});
afterAll(async () => ctx?.close());

describe('lots', () => {
  it('splits part of a lot into a new lot at another location, keeping its data', async () => {
    const shelf = await f.location();
    const lot = await f.lot({ quantity: 50, supplier: 'Mouser', dateCode: '2612', expiresOn: '2028-01-31' });
    const res = await ctx.api('POST', `/api/v1/lots/${lot.code}/split`, {
      body: { quantity: 20, location: shelf.code },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.parent).toMatchObject({ code: lot.code, quantity: 30 });
    expect(res.body.lot).toMatchObject({
      quantity: 20,
      parentLotCode: lot.code,
      locationCode: shelf.code,
      supplier: 'Mouser',
      dateCode: '2612',
      expiresOn: '2028-01-31',
      source: 'split',
    });
  });

  it('refuses to split the whole lot or more, and to adjust below zero, changing nothing', async () => {
    const lot = await f.lot({ quantity: 10 });
    const before = await databaseFingerprint(ctx);
    const whole = await ctx.api('POST', `/api/v1/lots/${lot.code}/split`, { body: { quantity: 10 } });
    expect(whole.status).toBe(400);
    expect(whole.body.errors).toEqual([expect.objectContaining({ field: 'quantity' })]);
    const negative = await ctx.api('POST', `/api/v1/lots/${lot.code}/adjust`, {
      body: { delta: -11, reason: 'count' },
    });
    expect(negative.status).toBe(422);
    expect(negative.body.detail).toMatch(/cannot go negative/);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });

  it('quarantines and releases a lot, writing lot.status_changed events in order', async () => {
    const lot = await f.lot();
    expect(
      (
        await ctx.api('POST', `/api/v1/lots/${lot.code}/quarantine`, {
          body: { reason: 'suspect date code' },
        })
      ).body.status,
    ).toBe('quarantined');
    const again = await ctx.api('POST', `/api/v1/lots/${lot.code}/quarantine`, { body: { reason: 'twice' } });
    expect(again.status).toBe(422);
    expect(
      (await ctx.api('POST', `/api/v1/lots/${lot.code}/release`, { body: { reason: 'tested OK' } })).body
        .status,
    ).toBe('available');
    // Each move is also on the lot's timeline (lot.event_recorded, checked in history.test.ts).
    const events = await ctx
      .db('events')
      .where({ stream: `lot:${lot.code}`, type: 'lot.status_changed' })
      .orderBy('sequence');
    expect(
      events.map((e: { type: string; sequence: number; data: { from: string; to: string } }) => [
        e.type,
        e.sequence,
        e.data.from,
        e.data.to,
      ]),
    ).toEqual([
      ['lot.status_changed', 1, 'available', 'quarantined'],
      ['lot.status_changed', 3, 'quarantined', 'available'],
    ]);
  });

  it('lists lots with filters and cursor pagination', async () => {
    const part = await f.part();
    for (let i = 0; i < 5; i++) await f.lot({ part: part.code, quantity: i + 1 });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<TestContext['api']>> = await ctx.api(
        'GET',
        `/api/v1/lots?part=${part.code}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...(res.body.items as { quantity: number }[]).map((l) => l.quantity));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses to delete a part that has stock', async () => {
    const lot = await f.lot();
    const res = await ctx.api('DELETE', `/api/v1/parts/${lot.partCode}`);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/still in use: lots/);
  });
});

describe('ID codes', () => {
  it('resolves any kind of object by code, in any case and with the usual confusions', async () => {
    const lot = await f.lot();
    const typed = lot.code.toLowerCase().replaceAll('0', 'o').replaceAll('1', 'l');
    const res = await ctx.api('GET', `/api/v1/codes/${typed}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ kind: 'lot', code: lot.code, href: `/api/v1/lots/${lot.code}` });
    const location = await f.location();
    expect((await ctx.api('GET', `/api/v1/codes/${location.code}`)).body.kind).toBe('location');
  });

  it('tells a typo (400) from an unknown code', async () => {
    const part = await f.part();
    const swapped = part.code[1]! + part.code[0]! + part.code.slice(2);
    if (swapped !== part.code) {
      const res = await ctx.api('GET', `/api/v1/codes/${swapped}`);
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/check character/);
    }
  });

  it('never repeats a code across kinds', async () => {
    const rows = await ctx.db.raw<{ rows: { code: string }[] }>(
      'SELECT code FROM parts UNION ALL SELECT code FROM locations UNION ALL SELECT code FROM lots UNION ALL SELECT code FROM projects UNION ALL SELECT code FROM builds',
    );
    const codes = rows.rows.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('projects and BOM import', () => {
  it('refuses a circular BOM (a project containing what it produces, through a sub-assembly)', async () => {
    const inner = await f.project({ name: 'Inner module' });
    const outer = await f.project({
      name: 'Outer unit',
      lines: [{ part: inner.producesPartCode, quantity: 1 }],
    });
    const res = await ctx.api('PUT', `/api/v1/projects/${inner.code}/lines`, {
      body: { lines: [{ part: outer.producesPartCode, quantity: 1 }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ field: 'lines.0.part', message: expect.stringMatching(/circular/) }),
    ]);
  });

  it('checks designators against the quantity and refuses a part twice', async () => {
    const project = await f.project();
    const part = await f.part();
    const res = await ctx.api('PUT', `/api/v1/projects/${project.code}/lines`, {
      body: {
        lines: [
          { part: part.code, quantity: 3, designators: ['R1', 'R2'] },
          { part: part.code, quantity: 1 },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field)).toEqual([
      'lines.0.designators',
      'lines.1.part',
    ]);
  });

  it('imports a KiCad BOM: matches parts by MPN, creates missing ones, reports rejected lines', async () => {
    const existing = await f.part({ name: 'Decoupling cap', mpn: 'grm188r71h104ka93d' });
    const project = await f.project({ name: 'Sensor board' });
    const res = await ctx.api('POST', `/api/v1/projects/${project.code}/bom`, {
      body: { csv: fixture('kicad8-grouped.csv') },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.shape).toBe('grouped');
    expect(res.body.matched).toEqual([
      {
        lines: [2],
        mpn: 'GRM188R71H104KA93D',
        part: existing.code,
        quantity: 6,
        // What the existing part lacked, taken from the file (#14 item 14).
        filled: ['manufacturer', 'value', 'footprint', 'description'],
      },
    ]);
    expect((res.body.created as unknown[]).length).toBe(7);
    expect(res.body.skipped).toEqual([{ line: 6, reason: 'marked do-not-populate' }]);
    const lines = (
      res.body.project as { lines: { partCode: string; quantityPerUnit: number; designators: string[] }[] }
    ).lines;
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatchObject({ partCode: existing.code, quantityPerUnit: 6 });

    // A second import of the same file matches everything and creates nothing.
    const again = await ctx.api('POST', `/api/v1/projects/${project.code}/bom`, {
      body: fixture('kicad8-grouped.csv'),
      headers: { 'content-type': 'text/csv' },
    });
    expect(again.status, again.text).toBe(200);
    expect((again.body.matched as unknown[]).length).toBe(8);
    expect(again.body.created).toEqual([]);
  });

  it('imports a one-row-per-reference KiCad export: rows merged by MPN, designators kept', async () => {
    const res = await ctx.api('POST', '/api/v1/bom-imports', {
      body: {
        projectName: 'Sensor module (legacy export)',
        createProject: true,
        csv: fixture('kicad-legacy-per-reference.csv'),
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.shape).toBe('per-reference');
    expect(res.body.rejected).toEqual([]);
    const lines = (
      res.body.project as { lines: { partName: string; quantityPerUnit: number; designators: string[] }[] }
    ).lines;
    const byDesignators = Object.fromEntries(lines.map((l) => [l.designators.join(','), l.quantityPerUnit]));
    // C1+C2 and R1+R2 (MPNs differing only in case) are one line each; U1 and J1 alone; power
    // symbols and the do-not-fit jumper are left out.
    expect(byDesignators).toEqual({ 'C1,C2': 2, 'R1,R2': 2, U1: 1, J1: 1 });
  });

  it('imports a malformed BOM partially, with line numbers and reasons; a dry run changes nothing', async () => {
    const before = await databaseFingerprint(ctx);
    const dry = await ctx.api('POST', '/api/v1/bom-imports', {
      body: {
        projectName: 'Malformed board',
        createProject: true,
        csv: fixture('kicad-malformed.csv'),
        dryRun: true,
      },
    });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body).toMatchObject({ project: null, dryRun: true });
    expect([(dry.body.matched as unknown[]).length, (dry.body.created as unknown[]).length]).toEqual([1, 1]);
    expect(await databaseFingerprint(ctx)).toBe(before);
    const res = await ctx.api('POST', '/api/v1/bom-imports', {
      body: { projectName: 'Malformed board', createProject: true, csv: fixture('kicad-malformed.csv') },
    });
    expect(res.status, res.text).toBe(200);
    expect((res.body.rejected as { line: number }[]).map((r) => r.line)).toEqual([2, 3, 4, 7, 8]);
    expect((res.body.project as { lines: unknown[] }).lines).toHaveLength(2);
  });

  it('merges an import into existing lines in merge mode', async () => {
    const other = await f.part();
    const project = await f.project({ lines: [{ part: other.code, quantity: 2 }] });
    const res = await ctx.api('POST', `/api/v1/projects/${project.code}/bom?mode=merge`, {
      body: fixture('excel-semicolon-grouped.csv'),
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status, res.text).toBe(200);
    expect((res.body.project as { lines: unknown[] }).lines).toHaveLength(4);
  });

  it('refuses an unreadable CSV with 400 naming csv, changing nothing', async () => {
    const project = await f.project();
    const before = await databaseFingerprint(ctx);
    const res = await ctx.api('POST', `/api/v1/projects/${project.code}/bom`, {
      body: { csv: fixture('kicad-broken-quotes.csv') },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'csv' })]);
    expect(await databaseFingerprint(ctx)).toBe(before);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and request', async () => {
    const part = await f.part();
    const headers = { 'idempotency-key': 'receive-42' };
    const first = await ctx.api('POST', '/api/v1/lots', { body: { part: part.code, quantity: 7 }, headers });
    const second = await ctx.api('POST', '/api/v1/lots', { body: { part: part.code, quantity: 7 }, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.code).toBe(first.body.code);
    expect(await ctx.db('lots').where({ part_id: part.id })).toHaveLength(1);
  });

  it('refuses the same key with a different request, and keys are per caller', async () => {
    const part = await f.part();
    const headers = { 'idempotency-key': 'receive-43' };
    await ctx.api('POST', '/api/v1/lots', { body: { part: part.code, quantity: 7 }, headers });
    const other = await ctx.api('POST', '/api/v1/lots', { body: { part: part.code, quantity: 8 }, headers });
    expect(other.status).toBe(422);
    const operator = await ctx.api('POST', '/api/v1/lots', {
      role: 'operator',
      body: { part: part.code, quantity: 8 },
      headers,
    });
    expect(operator.status).toBe(201);
  });

  it('does not keep failed requests: the same key can be sent again after a fix', async () => {
    const headers = { 'idempotency-key': 'create-part-1' };
    const bad = await ctx.api('POST', '/api/v1/parts', { body: { name: '' }, headers });
    expect(bad.status).toBe(400);
    const rows = await ctx.db('idempotency_keys').where({ key: 'create-part-1' });
    expect(rows).toHaveLength(0);
  });

  it('gives one effect for concurrent requests with one key', async () => {
    const part = await f.part();
    const headers = { 'idempotency-key': 'concurrent-1' };
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        ctx.api('POST', '/api/v1/lots', { body: { part: part.code, quantity: 3 }, headers }),
      ),
    );
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect(await ctx.db('lots').where({ part_id: part.id })).toHaveLength(1);
  });
});
