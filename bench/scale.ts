/**
 * A year of production: `npm run bench -- scale [--devices=2000000] [--seconds=10] [--node=machine]` (only when named:
 * a plain `npm run bench` does not run it; not in CI).
 *
 * Seeds a fresh database at two sizes in the same run — 10,000 devices, then `--devices` (default
 * 2,000,000, the issue's target) — and measures at each size, through the real `web` process over
 * HTTP on loopback (compiled, from `dist/`, as production runs it; built first when needed), open loop (requests leave on schedule; latency counts from the scheduled moment):
 *
 * - ID-code lookup `GET /api/v1/lots/<code>` and formatted-serial lookup `GET /api/v1/lots?serial=`
 *   at 500 req/s, random devices of the seeded set: p99 ≤ 1.5 × the floor's p99 (`GET /healthz`, same
 *   rate, same run);
 * - the device page `GET /id/<code>`, signed in, at 50 req/s: p95 < 50 ms;
 * - the backward trace `GET /api/v1/trace/backward/<code>` of a top-level device, at 50 req/s:
 *   p95 < 50 ms;
 * - the forward trace from the big reel (10 % of the devices): the first page (p50/p95 of 20; < 1 s —
 *   it counts its whole reach exactly, so it grows with the reach rather than with the database), and
 *   paging through every device it reaches (500 a page; later pages reuse the first page's reach;
 *   stopped after `--paging-limit` seconds, default 300);
 * - a recall of the big reel as CSV, by the recall job in a fresh worker process: time (< 10 s) and
 *   the worker's peak RSS (< 300 MB);
 * - database bytes per device.
 *
 * Every latency at the big size is also compared with the same figure at 10,000 devices (≤ 1.5 ×).
 *
 * The data (see `seedBulk`): devices in three levels — modules inside boards inside devices, each a
 * tracked unit of a completed build of 200 units — about 10,000 builds and 50,000 component lots per
 * 2,000,000 devices; 0.2 % of devices repaired with their board swapped for a spare (unit links
 * removed and added, device_component_changes), as many modules repaired with a component lot
 * swapped; 60 % of devices shipped, in shipments of 60; an end-of-line test result per device; and
 * one reel whose modules reach 10 % of the devices. A few builds of each level, a repair of each kind
 * and a shipment are made first through the API and the worker (the real commands), and the bulk is
 * written after their shape, set-based (INSERT … SELECT generate_series), with
 * `session_replication_role = replica` for the seed only: the stock door's triggers (lots opened
 * with a ledger entry, quantities moved by ledger entries) would make a set-based seed row by row, so
 * the seed writes the ledger entries itself, consistently, and the doctor's invariants
 * (src/db/repositories/work/invariants.ts) are checked afterwards — a violation fails the bench.
 * ID codes are the installation's own (its key, a block of `id_code_seq`), so they carry their check
 * character and never meet a code the app makes later. VACUUM ANALYZE after seeding.
 *
 * Prints a table per size and a final JSON line `{"bench":"scale",...}`. Each database is dropped
 * when its size is measured (and in `finally`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { execute } from '../src/commands/define.ts';
import { createSignInLink, signInWithLink } from '../src/commands/sessions.ts';
import { createToken } from '../src/commands/tokens.ts';
import { createDb } from '../src/db/knex.ts';
import { migrateLatest } from '../src/db/migrate.ts';
import { INVARIANTS } from '../src/db/repositories/work/invariants.ts';
import { knexUnitOfWork } from '../src/db/unit-of-work.ts';
import { IdCodeGenerator } from '../src/domain/id-code.ts';
import { SYSTEM_ACTOR } from '../src/domain/roles.ts';
import { localFileStore } from '../src/storage/local-files.ts';
import {
  adminQuery,
  arg,
  compiledEntry,
  deleteRedisKeys,
  freePort,
  nodeVersion,
  paced,
  productionNode,
  sleep,
  stats,
  type Result,
} from './shared.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The Node.js the web and worker processes run on: the production image's major (see productionNode),
 * so the figures are a deployment's; with `--node=machine` this one (as `npm start` runs them here).
 */
const NODE = process.argv.includes('--node=machine') ? process.execPath : productionNode();
const BIG = arg('devices', 2_000_000);
const SMALL = 10_000;
const SECONDS = arg('seconds', 10);
/** BENCH_KEEP_DATABASE=1 keeps both databases (to EXPLAIN a figure afterwards); drop them by hand. */
const KEEP = Boolean(process.env.BENCH_KEEP_DATABASE);
/** Paging through the forward trace stops after this long. */
const PAGING_LIMIT_SECONDS = arg('paging-limit', 300);
const LOOKUP_RATE = 500;
const PAGE_RATE = 50;
const UNITS_PER_BUILD = 200;
const GOAL = {
  lookupP99VsFloor: 1.5,
  deviceP95Ms: 50,
  backwardP95Ms: 50,
  recallSeconds: 10,
  recallRssMb: 300,
  bigVsSmall: 1.5,
  /** The forward trace counts its whole reach exactly: it grows with the reach, not with the database. */
  forwardFirstPageMs: 1_000,
};

const n = (x: number) => Math.round(x).toLocaleString('en');
const admin = (sql: string) => adminQuery(ADMIN_URL, sql);

type Stats = ReturnType<typeof stats> & { bad: number };
const statsOf = (r: Result): Stats => ({ ...stats(r.latencies), bad: r.unexpected + r.errors });

// ---------------------------------------------------------------------------------------------------
// The data.

/** Component lines of each level's BOM after the unit line (part name, quantity per unit). */
const LINES = {
  module: [
    ['Resistor 10k 0603 (reel)', 2],
    ['MCU STM32G0', 1],
    ['Capacitor 100n 0603', 4],
    ['Crystal 8 MHz', 1],
    ['LED green 0603', 1],
  ],
  board: [
    ['Connector USB-C', 1],
    ['LDO 3.3 V', 1],
    ['Capacitor 10u 0805', 2],
    ['Fuse 500 mA', 1],
    ['TVS diode', 1],
  ],
  device: [
    ['Enclosure', 1],
    ['Screw M3x6', 4],
    ['Rating label', 1],
    ['Gasket', 1],
    ['Cable assembly', 1],
  ],
} as const;
type Level = keyof typeof LINES;
const LEVELS: Level[] = ['module', 'board', 'device'];
const PREFIX: Record<Level, string> = { module: 'MOD-', board: 'BRD-', device: 'DEV-' };

interface ApiSeed {
  projects: Record<Level, { id: number; partId: number; code: string }>;
  lineParts: Record<Level, number[]>;
  reel: { id: number; code: string };
}

/** A few builds of each level, a repair of each kind and a shipment, through the API and the worker. */
async function seedThroughApi(
  api: (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>,
  query: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>,
  reelQuantity: number,
): Promise<ApiSeed> {
  const partCode: Record<string, string> = {};
  let reel = '';
  for (const level of LEVELS)
    for (const [name] of LINES[level]) {
      const part = await api('POST', '/parts', { name });
      partCode[name] = part.code as string;
      const lot = await api('POST', '/lots', {
        part: part.code,
        quantity: name.includes('(reel)') ? reelQuantity : 10_000,
        supplier: 'DigiKey',
      });
      if (name.includes('(reel)')) reel = lot.code as string;
    }
  const projects = {} as Record<Level, Record<string, unknown>>;
  let below: string | null = null;
  for (const level of LEVELS) {
    const lines = [
      ...(below ? [{ part: below, quantity: 1 }] : []),
      ...LINES[level].map(([name, quantity]) => ({ part: partCode[name]!, quantity })),
    ];
    projects[level] = await api('POST', '/projects', {
      name: level[0]!.toUpperCase() + level.slice(1),
      serialFormat: `${PREFIX[level]}{seq:07}`,
      lines,
    });
    below = projects[level].producesPartCode as string;
  }
  const build = async (level: Level, quantity: number) => {
    const created = await api('POST', '/builds', {
      project: projects[level].code,
      quantity,
      trackUnits: true,
    });
    const code = (created.build as { code: string }).code;
    for (let i = 0; ; i++) {
      const [row] = await query('SELECT units_generated, status, start_error FROM builds WHERE code = $1', [
        code,
      ]);
      if (row!.start_error) throw new Error(JSON.stringify(row!.start_error));
      if (row!.units_generated === quantity) {
        if (row!.status === 'completed') return code;
        if (row!.status === 'in_progress') {
          await api('POST', `/builds/${code}/complete`, {});
          continue;
        }
      }
      if (i > 1200) throw new Error(`build ${code} did not finish`);
      await sleep(50);
    }
  };
  // Modules 4 (one left over), boards 3 (one a spare), devices 2.
  await build('module', 4);
  await build('board', 3);
  const devices = await build('device', 2);
  const unit = async (serial: number) =>
    (await api('GET', `/builds/${devices}/units/${serial}`)).code as string;
  const [device1, device2] = [await unit(1), await unit(2)];
  const [held] = await query(
    `SELECT c.code FROM unit_links k JOIN lots p ON p.id = k.parent_lot_id JOIN lots c ON c.id = k.child_lot_id
     WHERE p.code = $1 AND k.removed_at IS NULL`,
    [device1],
  );
  const [spare] = await query(
    `SELECT l.code FROM lots l JOIN parts p ON p.id = l.part_id WHERE p.code = $1 AND l.quantity = 1
       AND NOT EXISTS (SELECT 1 FROM unit_links k WHERE k.child_lot_id = l.id AND k.removed_at IS NULL)`,
    [projects.board.producesPartCode],
  );
  await api('POST', `/lots/${device1}/repair`, {
    symptom: 'no power',
    action: 'board swapped',
    replacements: [{ removed: held!.code, installed: spare!.code }],
  });
  const [module] = await query(
    `SELECT l.code, c.code AS mcu FROM lots l JOIN parts p ON p.id = l.part_id
     JOIN build_consumptions bc ON bc.build_id = l.build_id JOIN lots c ON c.id = bc.lot_id JOIN parts cp ON cp.id = c.part_id
     WHERE p.code = $1 AND cp.name = 'MCU STM32G0' ORDER BY l.id LIMIT 1`,
    [projects.module.producesPartCode],
  );
  const mcuSpare = await api('POST', '/lots', {
    part: partCode['MCU STM32G0'],
    quantity: 10,
    supplier: 'Mouser',
  });
  await api('POST', `/lots/${module!.code}/repair`, {
    symptom: 'no boot',
    action: 'MCU replaced',
    replacements: [{ removed: module!.mcu, installed: mcuSpare.code, designators: ['U1'] }],
  });
  const shipment = await api('POST', '/shipments', { customer: 'ACME', order: 'PO-1' });
  await api('POST', `/shipments/${shipment.id}/units`, { unit: device2 });
  await api('POST', `/shipments/${shipment.id}/ship`, {});

  const ids = async (table: string, code: string) =>
    Number((await query(`SELECT id FROM ${table} WHERE code = $1`, [code]))[0]!.id);
  const out = { projects: {}, lineParts: {} } as ApiSeed;
  for (const level of LEVELS) {
    out.projects[level] = {
      id: await ids('projects', projects[level].code as string),
      partId: await ids('parts', projects[level].producesPartCode as string),
      code: projects[level].code as string,
    };
    out.lineParts[level] = [];
    for (const [name] of LINES[level]) out.lineParts[level].push(await ids('parts', partCode[name]!));
  }
  out.reel = { id: await ids('lots', reel), code: reel };
  return out;
}

/** The shape of a seed of `devices` devices (about: levels of equal size, builds of 200). */
function plan(devices: number) {
  const L = Math.max(UNITS_PER_BUILD, Math.floor(devices / 3));
  const repairs = Math.max(1, Math.floor(L / 500));
  const units: Record<Level, number> = { module: L + repairs, board: L + repairs, device: L };
  const builds = {} as Record<Level, number>;
  for (const level of LEVELS) builds[level] = Math.ceil(units[level] / UNITS_PER_BUILD);
  const reelBuilds = Math.max(1, Math.round(L / 10 / UNITS_PER_BUILD));
  return { L, repairs, units, builds, reelBuilds, reelUnits: reelBuilds * UNITS_PER_BUILD };
}

/**
 * The bulk, set-based, after the API's shapes. Every unit, build and component lot gets an id and an
 * ID code from offsets computed here (lots: modules, boards, devices, then 5 component lots per
 * build; builds: modules, boards, devices).
 */
async function seedBulk(client: pg.Client, seed: ApiSeed, p: ReturnType<typeof plan>) {
  const q = (sql: string, params?: unknown[]) => client.query(sql, params);
  const one = async (sql: string) => Number(Object.values((await q(sql)).rows[0] as object)[0]);
  await q('BEGIN');
  await q(`SET LOCAL session_replication_role = replica`);
  await q(`SET LOCAL synchronous_commit = off`);
  const lotBase = (await one('SELECT max(id) FROM lots')) + 1;
  const buildBase = (await one('SELECT max(id) FROM builds')) + 1;
  const totalBuilds = LEVELS.reduce((s, l) => s + p.builds[l], 0);
  const compBase = p.units.module + p.units.board + p.units.device; // offset of the component lots
  const spareMcu = compBase + totalBuilds * 5; // one lot of spare MCUs for the component repairs
  const totalLots = spareMcu + 1;
  const totalCodes = totalLots + totalBuilds;

  // A block of the installation's ID codes (the app's own sequence, so no later code meets one).
  const key = Buffer.from(
    (await q(`SELECT value FROM settings WHERE key = 'id_code_key'`)).rows[0].value,
    'hex',
  );
  const generator = new IdCodeGenerator(key);
  const last = await one(`SELECT setval('id_code_seq', nextval('id_code_seq') + ${totalCodes - 1})`);
  const first = last - totalCodes + 1;
  await q('CREATE TEMP TABLE seed_codes (n int PRIMARY KEY, code text NOT NULL) ON COMMIT DROP');
  for (let from = 0; from < totalCodes; from += 100_000) {
    const count = Math.min(100_000, totalCodes - from);
    const codes = Array.from({ length: count }, (_, i) => generator.codeFor(first + from + i));
    await q(
      'INSERT INTO seed_codes SELECT $1::int + i - 1, c FROM unnest($2::text[]) WITH ORDINALITY AS t(c, i)',
      [from, codes],
    );
  }

  const U = UNITS_PER_BUILD;
  const lotOff: Record<Level, number> = {
    module: 0,
    board: p.units.module,
    device: p.units.module + p.units.board,
  };
  const buildOff: Record<Level, number> = {
    module: 0,
    board: p.builds.module,
    device: p.builds.module + p.builds.board,
  };
  const below: Record<Level, Level | null> = { module: null, board: 'module', device: 'board' };
  const stride = Math.floor(p.L / p.repairs); // devices r = j × stride are repaired (j < repairs)
  // A year: build b of a level on day 365 × b / builds before now, modules 2 h before boards before devices.
  const when = (level: Level, b: string) =>
    `now() - interval '365 days' + (${b})::float8 / ${p.builds[level]} * interval '364 days' + interval '${LEVELS.indexOf(level) * 2} hours'`;

  for (const level of LEVELS) {
    const proj = seed.projects[level];
    const seqStart = await one(`SELECT next_seq FROM serial_counters WHERE part_id = ${proj.partId}`);
    const units = p.units[level];
    const bId = (b: string) => `(${buildBase + buildOff[level]} + ${b})`;
    await q(
      `INSERT INTO builds (id, code, project_id, produced_part_id, quantity, status, track_units, add_stock,
         serial_format, serial_seq_start, units_generated, units_completed, created_by, created_at, started_at,
         completed_at, updated_at, serial_date)
       SELECT ${bId('b')}, c.code, ${proj.id}, ${proj.partId}, q, 'completed', true, true, '${PREFIX[level]}{seq:07}',
         ${seqStart} + b * ${U}, q, q, 'token:seed', t, t, t + interval '1 hour', t + interval '1 hour', t
       FROM generate_series(0, ${p.builds[level] - 1}) b
       CROSS JOIN LATERAL (SELECT least(${U}, ${units} - b * ${U}) AS q, ${when(level, 'b')} AS t) x
       JOIN seed_codes c ON c.n = ${totalLots + buildOff[level]} + b`,
    );
    await q(
      `INSERT INTO build_operations (build_id, kind, status, requested_by, created_at, finished_at)
       SELECT ${bId('b')}, k, 'done', 'token:seed', now(), now()
       FROM generate_series(0, ${p.builds[level] - 1}) b, unnest(ARRAY['start','generate']) k`,
    );
    // Units: a module or board is in its parent (quantity 0) unless a repair took it out (quarantined);
    // a spare board is in the device it was fitted into; 60 % of devices shipped.
    const removed = (i: string) =>
      level === 'board'
        ? `(${i} < ${p.L} AND ${i} % ${stride} = 0 AND ${i} / ${stride} < ${p.repairs})`
        : 'false';
    const shipped = (i: string) => (level === 'device' ? `(${i} % 10 < 6)` : 'false');
    await q(
      `INSERT INTO lots (id, code, part_id, quantity, status, status_before_quarantine, source, build_id, serial,
         serial_label, created_at, updated_at)
       SELECT ${lotBase + lotOff[level]} + i, c.code, ${proj.partId},
         CASE WHEN ${level === 'device'} OR ${removed('i')} THEN 1 ELSE 0 END,
         CASE WHEN ${removed('i')} THEN 'quarantined' WHEN ${shipped('i')} THEN 'shipped' ELSE 'available' END,
         CASE WHEN ${removed('i')} THEN 'available' END,
         'build', ${bId(`i / ${U}`)}, i % ${U} + 1, '${PREFIX[level]}' || lpad((${seqStart} + i)::text, 7, '0'),
         ${when(level, `i / ${U}`)}, ${when(level, `i / ${U}`)}
       FROM generate_series(0, ${units - 1}) i JOIN seed_codes c ON c.n = ${lotOff[level]} + i`,
    );
    await q(`UPDATE serial_counters SET next_seq = ${seqStart + units} WHERE part_id = ${proj.partId}`);
    await q(
      `INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, actor, build_id, created_at)
       SELECT ${lotBase + lotOff[level]} + i, 1, 1, 'build_produce', 'token:seed', ${bId(`i / ${U}`)},
         ${when(level, `i / ${U}`)}
       FROM generate_series(0, ${units - 1}) i`,
    );
    const child = below[level];
    if (child) {
      // Unit i holds unit i of the level below (the devices: boards 0 … L − 1; the spares are fitted by repairs).
      const made = level === 'device' ? p.L : units;
      const childLot = `${lotBase + lotOff[child]} + i`;
      const childBuild = `${buildBase + buildOff[child]} + i / ${U}`;
      const childRemoved =
        child === 'board' ? `(i % ${stride} = 0 AND i / ${stride} < ${p.repairs})` : 'false';
      await q(
        `INSERT INTO build_consumptions (build_id, lot_id, part_id, quantity, source_build_id, linked, created_at)
         SELECT ${bId(`i / ${U}`)}, ${childLot}, ${seed.projects[child].partId}, 1, ${childBuild}, true, ${when(level, `i / ${U}`)}
         FROM generate_series(0, ${made - 1}) i`,
      );
      await q(
        `INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, actor, build_id, created_at)
         SELECT ${childLot}, -1, 0, 'build_consume', 'token:seed', ${bId(`i / ${U}`)}, ${when(level, `i / ${U}`)}
         FROM generate_series(0, ${made - 1}) i`,
      );
      await q(
        `INSERT INTO unit_links (parent_lot_id, child_lot_id, parent_build_id, child_build_id, created_at, removed_at, removed_reason)
         SELECT ${lotBase + lotOff[level]} + i, ${childLot}, ${bId(`i / ${U}`)}, ${childBuild}, ${when(level, `i / ${U}`)},
           CASE WHEN ${childRemoved} THEN now() - interval '1 day' END,
           CASE WHEN ${childRemoved} THEN 'repair of device (seeded)' END
         FROM generate_series(0, ${made - 1}) i`,
      );
    }
    // Component lots: five per build, one per BOM line, each received and used by that build; the first
    // module builds take their resistors from the big reel instead (its lot of the line stays in stock).
    const g0 = buildOff[level];
    const parts = seed.lineParts[level];
    const qpu = LINES[level].map(([, quantity]) => quantity);
    const fromReel = (b: string, k: string) =>
      level === 'module' ? `(${k} = 0 AND ${b} < ${p.reelBuilds})` : 'false';
    const comp = `
      SELECT ${lotBase + compBase} + (${g0} + b) * 5 + k AS lot_id, (${g0} + b) * 5 + k AS n, ${bId('b')} AS build_id,
        (ARRAY[${parts.join(',')}]::bigint[])[k + 1] AS part_id,
        CASE WHEN ${fromReel('b', 'k')} THEN 0 ELSE (ARRAY[${qpu.join(',')}])[k + 1] * least(${U}, ${units} - b * ${U}) END AS used,
        (ARRAY[${qpu.join(',')}])[k + 1] * ${U} + 50 AS received, b, k,
        ${when(level, 'b')} - interval '20 days' AS t
      FROM generate_series(0, ${p.builds[level] - 1}) b, generate_series(0, 4) k`;
    await q(
      `INSERT INTO lots (id, code, part_id, quantity, status, source, supplier, supplier_order, date_code, created_at, updated_at)
       SELECT x.lot_id, c.code, x.part_id, x.received - x.used, 'available', 'purchase',
         (ARRAY['DigiKey','Mouser','LCSC','Arrow'])[x.k % 4 + 1], 'SO-' || (100000 + x.n), to_char(x.t, 'IYIW'), x.t, x.t
       FROM (${comp}) x JOIN seed_codes c ON c.n = ${compBase} + x.n`,
    );
    await q(
      `INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, actor, build_id, created_at)
       SELECT lot_id, received, received, 'receive', 'token:seed', NULL, t FROM (${comp}) x
       UNION ALL
       SELECT lot_id, -used, received - used, 'build_consume', 'token:seed', build_id, t + interval '20 days'
       FROM (${comp}) x WHERE used > 0
       ORDER BY 1`,
    );
    await q(
      `INSERT INTO build_consumptions (build_id, lot_id, part_id, quantity, created_at)
       SELECT build_id, CASE WHEN ${fromReel('b', 'k')} THEN ${seed.reel.id} ELSE lot_id END, part_id,
         (ARRAY[${qpu.join(',')}])[k + 1] * least(${U}, ${units} - b * ${U}), t + interval '20 days'
       FROM (${comp}) x`,
    );
    if (level === 'module') {
      const before = await one(`SELECT quantity FROM lots WHERE id = ${seed.reel.id}`);
      await q(
        `INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, actor, build_id, created_at)
         SELECT ${seed.reel.id}, -${qpu[0]! * U}, ${before} - ${qpu[0]! * U} * (b + 1), 'build_consume', 'token:seed',
           ${bId('b')}, ${when(level, 'b')}
         FROM generate_series(0, ${p.reelBuilds - 1}) b ORDER BY b`,
      );
      await q(`UPDATE lots SET quantity = ${before - qpu[0]! * U * p.reelBuilds} WHERE id = ${seed.reel.id}`);
    }
  }

  // Repairs. History events get ids here (the changes name them): repair, status change, note per board
  // swap; one repair per component swap.
  const hBase = (await one('SELECT max(id) FROM history_events')) + 1;
  const R = p.repairs;
  const dev = (i: string) => `${lotBase + lotOff.device} + ${i}`;
  const brd = (i: string) => `${lotBase + lotOff.board} + ${i}`;
  const codeOf = (lot: string) => `(SELECT code FROM seed_codes WHERE n = ${lot} - ${lotBase})`;
  await q(
    `INSERT INTO history_events (id, lot_id, kind, data, actor, occurred_at)
     SELECT ${hBase} + j, ${dev(`j * ${stride}`)}, 'repair',
       jsonb_build_object('cause', null, 'notes', null, 'action', 'board swapped', 'symptom', 'no power',
         'replacements', jsonb_build_array(jsonb_build_object('part', (SELECT code FROM parts WHERE id = ${seed.projects.board.partId}),
           'unit', true, 'removed', ${codeOf(brd(`j * ${stride}`))}, 'installed', ${codeOf(brd(`${p.L} + j`))},
           'partName', 'Board', 'quantity', 1, 'designators', '[]'::jsonb))),
       'token:seed', now() - interval '1 day'
     FROM generate_series(0, ${R - 1}) j
     UNION ALL
     SELECT ${hBase + R} + j, ${brd(`j * ${stride}`)}, 'status_changed',
       jsonb_build_object('to', 'quarantined', 'from', 'available', 'reason', 'taken out by repair (event ' || (${hBase} + j) || ')'),
       'token:seed', now() - interval '1 day'
     FROM generate_series(0, ${R - 1}) j
     UNION ALL
     SELECT ${hBase + 2 * R} + j, ${brd(`${p.L} + j`)}, 'note',
       jsonb_build_object('text', 'Fitted by repair (event ' || (${hBase} + j) || ')'), 'token:seed', now() - interval '1 day'
     FROM generate_series(0, ${R - 1}) j`,
  );
  await q(
    `INSERT INTO unit_links (parent_lot_id, child_lot_id, parent_build_id, child_build_id, created_at)
     SELECT ${dev(`j * ${stride}`)}, ${brd(`${p.L} + j`)}, ${buildBase + buildOff.device} + j * ${stride} / ${U},
       ${buildBase + buildOff.board} + (${p.L} + j) / ${U}, now() - interval '1 day'
     FROM generate_series(0, ${R - 1}) j`,
  );
  await q(
    `INSERT INTO device_component_changes (device_lot_id, history_event_id, part_id, removed_lot_id, installed_lot_id, quantity, is_unit, created_at)
     SELECT ${dev(`j * ${stride}`)}, ${hBase} + j, ${seed.projects.board.partId}, ${brd(`j * ${stride}`)}, ${brd(`${p.L} + j`)}, 1, true,
       now() - interval '1 day'
     FROM generate_series(0, ${R - 1}) j`,
  );
  await q(
    `INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, note, actor, created_at)
     SELECT ${brd(`j * ${stride}`)}, 1, 1, 'repair', 'taken out by repair (event ' || (${hBase} + j) || ')', 'token:seed', now() - interval '1 day'
     FROM generate_series(0, ${R - 1}) j
     UNION ALL
     SELECT ${brd(`${p.L} + j`)}, -1, 0, 'repair', 'repair (event ' || (${hBase} + j) || ')', 'token:seed', now() - interval '1 day'
     FROM generate_series(0, ${R - 1}) j`,
  );
  // Component swaps: module m = j × stride gets an MCU from the spare lot in place of its build's MCU lot.
  const mcuPart = seed.lineParts.module[1]!;
  const spareLot = lotBase + spareMcu;
  const mod = (i: string) => `${lotBase + lotOff.module} + ${i}`;
  const mcuOf = (i: string) => `${lotBase + compBase} + (${i} / ${U}) * 5 + 1`;
  await q(
    `INSERT INTO lots (id, code, part_id, quantity, status, source, supplier, created_at, updated_at)
     SELECT ${spareLot}, code, ${mcuPart}, 100, 'available', 'purchase', 'Mouser', now() - interval '300 days', now()
     FROM seed_codes WHERE n = ${spareMcu}`,
  );
  await q(
    `INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, actor, created_at)
     VALUES (${spareLot}, ${R + 100}, ${R + 100}, 'receive', 'token:seed', now() - interval '300 days')`,
  );
  await q(
    `INSERT INTO history_events (id, lot_id, kind, data, actor, occurred_at)
     SELECT ${hBase + 3 * R} + j, ${mod(`j * ${stride}`)}, 'repair',
       jsonb_build_object('cause', null, 'notes', null, 'action', 'MCU replaced', 'symptom', 'no boot',
         'replacements', jsonb_build_array(jsonb_build_object('part', (SELECT code FROM parts WHERE id = ${mcuPart}),
           'unit', false, 'removed', ${codeOf(mcuOf(`j * ${stride}`))}, 'installed', ${codeOf(String(spareLot))},
           'partName', 'MCU STM32G0', 'quantity', 1, 'designators', '["U1"]'::jsonb))),
       'token:seed', now() - interval '2 days' + j * interval '1 second'
     FROM generate_series(0, ${R - 1}) j`,
  );
  await q(
    `INSERT INTO device_component_changes (device_lot_id, history_event_id, part_id, removed_lot_id, installed_lot_id, quantity, is_unit, designators, created_at)
     SELECT ${mod(`j * ${stride}`)}, ${hBase + 3 * R} + j, ${mcuPart}, ${mcuOf(`j * ${stride}`)}, ${spareLot}, 1, false, '{U1}',
       now() - interval '2 days' + j * interval '1 second'
     FROM generate_series(0, ${R - 1}) j`,
  );
  await q(
    `INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, note, actor, created_at)
     SELECT ${spareLot}, -1, ${R + 100} - j - 1, 'repair', 'repair (event ' || (${hBase + 3 * R} + j) || ')', 'token:seed',
       now() - interval '2 days' + j * interval '1 second'
     FROM generate_series(0, ${R - 1}) j ORDER BY j`,
  );
  await q(`UPDATE lots SET quantity = 100 WHERE id = ${spareLot}`);
  await q(`SELECT setval('history_events_id_seq', ${hBase + 4 * R})`);

  // Shipments: devices 100 s … 100 s + 99, the 60 shipped ones, in shipment s.
  const sBase = (await one('SELECT max(id) FROM shipments')) + 1;
  const shipments = Math.ceil(p.L / 100);
  await q(
    `INSERT INTO shipments (id, customer, order_ref, status, created_by, created_at, shipped_on, shipped_at, shipped_by)
     SELECT ${sBase} + s, 'Customer ' || (s % 97), 'PO-' || (20000 + s), 'shipped', 'token:seed', t, t::date, t, 'token:seed'
     FROM generate_series(0, ${shipments - 1}) s
     CROSS JOIN LATERAL (SELECT ${when('device', `s * 100 / ${U}`)} + interval '1 day' AS t) x`,
  );
  await q(`SELECT setval('shipments_id_seq', ${sBase + shipments})`);
  const shippedDevices = `FROM generate_series(0, ${p.L - 1}) i
     CROSS JOIN LATERAL (SELECT ${when('device', `i / ${U}`)} + interval '1 day' AS t) x WHERE i % 10 < 6`;
  await q(
    `INSERT INTO shipment_units (shipment_id, lot_id, state, added_by, added_at)
     SELECT ${sBase} + i / 100, ${dev('i')}, 'shipped', 'token:seed', t ${shippedDevices}`,
  );
  await q(
    `INSERT INTO history_events (lot_id, kind, data, actor, occurred_at)
     SELECT ${dev('i')}, 'shipped', jsonb_build_object('from', 'available', 'note', null, 'order', 'PO-' || (20000 + i / 100),
       'customer', 'Customer ' || (i / 100 % 97), 'shipment', 'SH-' || lpad((${sBase} + i / 100)::text, 6, '0'), 'shippedOn', t::date),
       'token:seed', t ${shippedDevices}`,
  );
  // An end-of-line test result for every device.
  await q(
    `INSERT INTO history_events (lot_id, kind, data, actor, occurred_at, test_name, passed)
     SELECT ${dev('i')}, 'test_result', '{"station":"EOL-1","measurements":{"vcc_mV":3301}}', 'token:seed',
       ${when('device', `i / ${U}`)} + interval '30 minutes', 'EOL', true
     FROM generate_series(0, ${p.L - 1}) i`,
  );
  // Each build's events, relayed and fanned out long ago (the doctor: one build.completed per build).
  await q(
    `INSERT INTO events (type, stream, sequence, data, occurred_at, relayed_at, fanout_job, fanned_out_at)
     SELECT e.type, 'build:' || b.code, e.seq,
       jsonb_build_object('build', b.code, 'actor', 'token:seed', 'count', b.quantity, 'completed', b.quantity),
       b.created_at, b.created_at, 'seed', b.created_at
     FROM builds b, (VALUES ('build.started', 1), ('lots.generated', 2), ('build.completed', 3)) e(type, seq)
     WHERE b.id >= ${buildBase}`,
  );
  for (const table of ['lots', 'builds'])
    await q(`SELECT setval('${table}_id_seq', (SELECT max(id) FROM ${table}))`);
  await q('COMMIT');
}

// ---------------------------------------------------------------------------------------------------
// One size.

interface SizeResult {
  devices: number;
  seeded: { lots: number; builds: number; componentLots: number; reelReach: number };
  apiSeedSeconds: number;
  seedSeconds: number;
  seedRowsPerSecond: number;
  vacuumSeconds: number;
  invariantViolations: Record<string, number>;
  databaseBytes: number;
  bytesPerDevice: number;
  floor500: Stats;
  codeLookup: Stats;
  serialLookup: Stats;
  floor50: Stats;
  devicePage: Stats;
  backwardTrace: Stats;
  forwardFirstPage: { p50Ms: number; p95Ms: number; total: number };
  forwardAll: { seconds: number; pages: number; devices: number };
  recall: { seconds: number; devices: number; workerPeakRssMb: number };
  aloneP50Ms: Record<string, number>;
  cpuMsPerRequest: Record<string, { web: number; postgres: number }>;
  loadAverage: number;
}

const databases: string[] = [];
const children = new Set<ChildProcess>();
const prefixes: string[] = [];
const dirs: string[] = [];

async function stop(child: ChildProcess) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  children.delete(child);
}

async function measure(devices: number): Promise<SizeResult> {
  const p = plan(devices);
  const name = `bt_bench_scale_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  const storageDir = join(tmpdir(), name);
  const queuePrefix = `bt-bench-${randomBytes(4).toString('hex')}`;
  prefixes.push(queuePrefix);
  dirs.push(storageDir);
  await admin(`CREATE DATABASE "${name}"`);
  databases.push(name);
  const db = createDb({ url: dbUrl, poolMax: 2 });
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  try {
    await migrateLatest(db);
    const deps = { uow: knexUnitOfWork(db, localFileStore(storageDir)) };
    const token = (await execute(deps, createToken, SYSTEM_ACTOR, { name: 'bench', role: 'admin' })).token;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      STORAGE_DIR: storageDir,
      METRICS_PORT: '0',
      RATE_LIMIT_PER_MINUTE: '0',
      PUBLIC_URL: base,
      WORKER_CONCURRENCY: '2',
    };
    const start = (entry: 'web' | 'worker') => {
      const child = spawn(NODE, compiledEntry(entry), {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.add(child);
      return child;
    };
    const web = start('web');
    let worker = start('worker');
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 300) throw new Error('the web process did not start');
      await sleep(100);
    }
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const query = async (sql: string, params?: unknown[]) =>
      (await client.query(sql, params)).rows as Record<string, unknown>[];

    let t0 = performance.now();
    const seed = await seedThroughApi(api, query, 2 * p.reelUnits + 1_000);
    const apiSeedSeconds = (performance.now() - t0) / 1000;
    await stop(worker);

    t0 = performance.now();
    await seedBulk(client, seed, p);
    const seedSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await client.query('VACUUM ANALYZE');
    const vacuumSeconds = (performance.now() - t0) / 1000;
    const rows = Number((await query(`SELECT sum(n_live_tup) AS n FROM pg_stat_user_tables`))[0]!.n);
    const invariantViolations: Record<string, number> = {};
    for (const inv of INVARIANTS) {
      const bad = await query(inv.sql);
      if (bad.length > 0) {
        invariantViolations[inv.name] = bad.length;
        console.error(`invariant ${inv.name}: ${bad.length} rows, e.g. ${JSON.stringify(bad.slice(0, 3))}`);
      }
    }
    const counted = (
      await query(
        `SELECT count(*) FILTER (WHERE serial IS NOT NULL) AS devices, count(*) AS lots,
         count(*) FILTER (WHERE source = 'purchase') AS components, (SELECT count(*) FROM builds) AS builds FROM lots`,
      )
    )[0]!;
    const deviceCount = Number(counted.devices);
    const databaseBytes = Number((await query('SELECT pg_database_size(current_database()) AS b'))[0]!.b);

    // Random devices of the seeded set: codes and serials of every level; top-level devices for pages.
    const sample = await query(
      `SELECT code, serial_label FROM lots TABLESAMPLE BERNOULLI (${Math.min(100, (100 * 20_000) / Math.max(1, Number(counted.lots)))})
       WHERE serial IS NOT NULL ORDER BY random() LIMIT 5000`,
    );
    const tops = await query(
      `SELECT code FROM lots TABLESAMPLE BERNOULLI (${Math.min(100, (100 * 5_000) / Math.max(1, Number(counted.lots)))})
       WHERE part_id = ${seed.projects.device.partId} ORDER BY random() LIMIT 1000`,
    );
    const codes = sample.map((r) => r.code as string);
    const serials = sample.map((r) => r.serial_label as string);
    const topCodes = tops.map((r) => r.code as string);
    const pick = (list: string[]) => list[Math.floor(Math.random() * list.length)]!;

    const link = await execute(deps, createSignInLink, { name: 'slack:U0BENCH', role: 'operator' }, {});
    const person = await execute(deps, signInWithLink, SYSTEM_ACTOR, { secret: link.secret });
    const cookie = `bt_session=${person.secret}`;
    const auth = { authorization: `Bearer ${token}` };
    const request = (
      path: string,
      headers: Record<string, string>,
    ): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'GET', path, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    let firstBad = '';
    const healthz = async () => (await request('/healthz', {})).status === 200;
    const byCode = async () => (await request(`/api/v1/lots/${pick(codes)}`, auth)).status === 200;
    const bySerial = async () => {
      const serial = pick(serials);
      const res = await request(`/api/v1/lots?serial=${encodeURIComponent(serial)}&empty=true`, auth);
      const ok = res.status === 200 && res.body.includes(`"serialLabel":"${serial}"`);
      if (!ok && !firstBad) firstBad = `serial ${serial}: ${res.status} ${res.body.slice(0, 300)}`;
      return ok;
    };
    const devicePage = async () => (await request(`/id/${pick(topCodes)}`, { cookie })).status === 200;
    const backward = async () =>
      (await request(`/api/v1/trace/backward/${pick(topCodes)}`, auth)).status === 200;
    const signedIn = await request(`/id/${topCodes[0]}`, { cookie });
    if (!signedIn.body.includes(person.session.csrfSecret))
      throw new Error('GET /id/<code> with the session cookie is not the signed-in page');

    // Warm-up (connections, JIT, caches), not counted.
    await paced(LOOKUP_RATE, 1, healthz);
    await paced(LOOKUP_RATE, 1, byCode);
    await paced(LOOKUP_RATE, 1, bySerial);
    await paced(PAGE_RATE, 1, devicePage);
    await paced(PAGE_RATE, 1, backward);
    // One request at a time (p50 of 30, server otherwise idle): what the open-loop figures are made of
    // before any queueing.
    const alone = async (task: () => Promise<boolean>) => {
      const times: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        await task();
        times.push(performance.now() - t);
      }
      return stats(times).p50Ms;
    };
    const aloneP50Ms = {
      healthz: await alone(healthz),
      codeLookup: await alone(byCode),
      serialLookup: await alone(bySerial),
      devicePage: await alone(devicePage),
      backwardTrace: await alone(backward),
    };
    // CPU time per request during a run: the web process and this database's PostgreSQL backends
    // (/proc/<pid>/stat utime + stime, 10 ms ticks).
    const cpuOf = async (pid: number) => {
      try {
        const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
        return (Number(fields[11]) + Number(fields[12])) * 10;
      } catch {
        return 0;
      }
    };
    const backends = async () => {
      const pids = (
        await query(
          'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        )
      ).map((r) => Number(r.pid));
      return new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuOf(pid)] as const)));
    };
    const cpuMsPerRequest: Record<string, { web: number; postgres: number }> = {};
    const run = async (label: string, rate: number, task: () => Promise<boolean>) => {
      const webBefore = await cpuOf(web.pid!);
      const pgBefore = await backends();
      const result = await paced(rate, SECONDS, task);
      const webMs = (await cpuOf(web.pid!)) - webBefore;
      let pgMs = 0;
      for (const [pid, ms] of await backends()) pgMs += ms - (pgBefore.get(pid) ?? 0);
      const count = result.latencies.length;
      cpuMsPerRequest[label] = {
        web: Number((webMs / count).toFixed(2)),
        postgres: Number((pgMs / count).toFixed(2)),
      };
      return statsOf(result);
    };
    const floor500 = await run('healthz500', LOOKUP_RATE, healthz);
    const codeLookup = await run('codeLookup', LOOKUP_RATE, byCode);
    const serialLookup = await run('serialLookup', LOOKUP_RATE, bySerial);
    const floor50 = await run('healthz50', PAGE_RATE, healthz);
    const devicePageStats = await run('devicePage', PAGE_RATE, devicePage);
    const backwardTrace = await run('backwardTrace', PAGE_RATE, backward);
    if (firstBad) console.error(`first unexpected answer: ${firstBad}`);

    // Forward trace from the big reel: the first page, one request at a time; then every page.
    const firstTimes: number[] = [];
    let total = 0;
    for (let i = 0; i < 22; i++) {
      const t = performance.now();
      const res = await request(`/api/v1/trace/forward/${seed.reel.code}?limit=50`, auth);
      if (res.status !== 200) throw new Error(`forward trace: ${res.status} ${res.body.slice(0, 300)}`);
      if (i >= 2) firstTimes.push(performance.now() - t);
      total = (JSON.parse(res.body) as { total: number }).total;
    }
    const first = stats(firstTimes);
    t0 = performance.now();
    let cursor: string | null = null;
    let pages = 0;
    let paged = 0;
    do {
      const res = await request(
        `/api/v1/trace/forward/${seed.reel.code}?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        auth,
      );
      if (res.status !== 200)
        throw new Error(`forward trace page ${pages}: ${res.status} ${res.body.slice(0, 300)}`);
      const page = JSON.parse(res.body) as { items: unknown[]; nextCursor: string | null };
      pages++;
      paged += page.items.length;
      cursor = page.nextCursor;
    } while (cursor && performance.now() - t0 < PAGING_LIMIT_SECONDS * 1000);
    const forwardAllSeconds = (performance.now() - t0) / 1000;
    if (cursor)
      console.log(
        `forward trace paging stopped after ${PAGING_LIMIT_SECONDS} s: ${pages} pages, ${paged} of ${total} lots`,
      );

    // The recall, by a fresh worker (its peak RSS is the recall's).
    worker = start('worker');
    await sleep(1500);
    t0 = performance.now();
    const recall = await api('POST', '/recalls', {
      lot: seed.reel.code,
      reason: 'bench: a year of production',
    });
    let recallDevices = 0;
    for (let i = 0; ; i++) {
      const r = await api('GET', `/recalls/${recall.id}`);
      if (r.status === 'done') {
        recallDevices = r.devices as number;
        break;
      }
      if (r.status === 'failed') throw new Error(`recall failed: ${String(r.error)}`);
      if (i > 6000) throw new Error('the recall did not finish in 10 minutes');
      await sleep(100);
    }
    const recallSeconds = (performance.now() - t0) / 1000;
    const status = await readFile(`/proc/${worker.pid}/status`, 'utf8');
    const workerPeakRssMb = Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024);
    await stop(worker);
    await stop(web);

    return {
      devices: deviceCount,
      seeded: {
        lots: Number(counted.lots),
        builds: Number(counted.builds),
        componentLots: Number(counted.components),
        reelReach: total,
      },
      apiSeedSeconds: Number(apiSeedSeconds.toFixed(1)),
      seedSeconds: Number(seedSeconds.toFixed(1)),
      seedRowsPerSecond: Math.round(rows / seedSeconds),
      vacuumSeconds: Number(vacuumSeconds.toFixed(1)),
      invariantViolations,
      databaseBytes,
      bytesPerDevice: Math.round(databaseBytes / deviceCount),
      floor500,
      codeLookup,
      serialLookup,
      floor50,
      devicePage: devicePageStats,
      backwardTrace,
      forwardFirstPage: { p50Ms: first.p50Ms, p95Ms: first.p95Ms, total },
      forwardAll: { seconds: Number(forwardAllSeconds.toFixed(2)), pages, devices: paged },
      recall: { seconds: Number(recallSeconds.toFixed(2)), devices: recallDevices, workerPeakRssMb },
      aloneP50Ms,
      cpuMsPerRequest,
      loadAverage: Number(loadavg()[0]!.toFixed(1)),
    };
  } finally {
    agent.destroy();
    await client.end();
    await db.destroy();
    for (const child of [...children]) await stop(child);
    if (KEEP) console.log(`kept database ${name}`);
    else await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

// ---------------------------------------------------------------------------------------------------

try {
  console.log(
    `scale bench: ${n(SMALL)} and ${n(BIG)} devices, ${SECONDS} s per figure; ${availableParallelism()} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; web and worker on Node ${nodeVersion(NODE)}`,
  );
  const small = await measure(SMALL);
  console.log(`${n(small.devices)} devices: seeded in ${small.seedSeconds} s`);
  const big = await measure(BIG);
  console.log(`${n(big.devices)} devices: seeded in ${big.seedSeconds} s`);

  interface Row {
    figure: string;
    small: string;
    big: string;
    floor: string;
    ratio: string;
    goal: string;
    pass: boolean;
  }
  const rows: Row[] = [];
  const within = (b: number, s: number) => b <= GOAL.bigVsSmall * s;
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  const latency = (
    figure: string,
    key: 'codeLookup' | 'serialLookup' | 'devicePage' | 'backwardTrace',
    q: 'p95Ms' | 'p99Ms',
    floor: 'floor500' | 'floor50',
    goal: string,
    ok: (ms: number, floorMs: number) => boolean,
  ) => {
    const s = small[key][q];
    const b = big[key][q];
    const f = big[floor][q];
    rows.push({
      figure,
      small: `${s} ms`,
      big: `${b} ms${big[key].bad ? ` (${big[key].bad} bad)` : ''}`,
      floor: `${f} ms`,
      ratio: `${ratio(b, s)} (floor ×${ratio(b, f)})`,
      goal: `${goal}; ≤ ${GOAL.bigVsSmall}× 10k`,
      pass: ok(b, f) && within(b, s) && big[key].bad === 0 && small[key].bad === 0,
    });
  };
  latency(
    `ID-code lookup GET /api/v1/lots/<code>, ${LOOKUP_RATE}/s, p99`,
    'codeLookup',
    'p99Ms',
    'floor500',
    `≤ ${GOAL.lookupP99VsFloor}× floor p99`,
    (ms, f) => ms <= GOAL.lookupP99VsFloor * f,
  );
  latency(
    `serial lookup GET /api/v1/lots?serial=, ${LOOKUP_RATE}/s, p99`,
    'serialLookup',
    'p99Ms',
    'floor500',
    `≤ ${GOAL.lookupP99VsFloor}× floor p99`,
    (ms, f) => ms <= GOAL.lookupP99VsFloor * f,
  );
  latency(
    `device page GET /id/<code>, signed in, ${PAGE_RATE}/s, p95`,
    'devicePage',
    'p95Ms',
    'floor50',
    `< ${GOAL.deviceP95Ms} ms`,
    (ms) => ms < GOAL.deviceP95Ms,
  );
  latency(
    `backward trace GET /api/v1/trace/backward/<code>, ${PAGE_RATE}/s, p95`,
    'backwardTrace',
    'p95Ms',
    'floor50',
    `< ${GOAL.backwardP95Ms} ms`,
    (ms) => ms < GOAL.backwardP95Ms,
  );
  rows.push({
    figure: `forward trace from the big reel, first page (50), p95`,
    small: `${small.forwardFirstPage.p95Ms} ms (${n(small.forwardFirstPage.total)} reached)`,
    big: `${big.forwardFirstPage.p95Ms} ms (${n(big.forwardFirstPage.total)} reached)`,
    floor: '—',
    ratio: String(ratio(big.forwardFirstPage.p95Ms, small.forwardFirstPage.p95Ms)),
    goal: `< ${n(GOAL.forwardFirstPageMs)} ms (counts its whole reach)`,
    pass: big.forwardFirstPage.p95Ms < GOAL.forwardFirstPageMs,
  });
  rows.push({
    figure: `forward trace, every page (500 a page)`,
    small: `${small.forwardAll.seconds} s (${small.forwardAll.pages} pages)`,
    big: `${big.forwardAll.seconds} s (${big.forwardAll.pages} pages, ${n(big.forwardAll.devices)} of ${n(big.forwardFirstPage.total)} lots)`,
    floor: '—',
    ratio: String(ratio(big.forwardAll.seconds, small.forwardAll.seconds)),
    goal: 'every reached lot paged',
    pass:
      big.forwardAll.devices === big.forwardFirstPage.total &&
      small.forwardAll.devices === small.forwardFirstPage.total,
  });
  rows.push({
    figure: `recall of the big reel as CSV (worker)`,
    small: `${small.recall.seconds} s, ${small.recall.workerPeakRssMb} MB`,
    big: `${big.recall.seconds} s, ${big.recall.workerPeakRssMb} MB (${n(big.recall.devices)} devices)`,
    floor: '—',
    ratio: String(ratio(big.recall.seconds, small.recall.seconds)),
    goal: `< ${GOAL.recallSeconds} s, peak RSS < ${GOAL.recallRssMb} MB`,
    pass: big.recall.seconds < GOAL.recallSeconds && big.recall.workerPeakRssMb < GOAL.recallRssMb,
  });
  rows.push({
    figure: 'database bytes per device',
    small: `${n(small.bytesPerDevice)} B (${(small.databaseBytes / 2 ** 20).toFixed(0)} MB)`,
    big: `${n(big.bytesPerDevice)} B (${(big.databaseBytes / 2 ** 20).toFixed(0)} MB)`,
    floor: '—',
    ratio: String(ratio(big.bytesPerDevice, small.bytesPerDevice)),
    goal: '—',
    pass: true,
  });
  const invariantsOk =
    Object.keys(small.invariantViolations).length === 0 && Object.keys(big.invariantViolations).length === 0;
  rows.push({
    figure: "seeded data keeps the doctor's invariants",
    small: invariantsOk ? 'yes' : JSON.stringify(small.invariantViolations),
    big: invariantsOk ? 'yes' : JSON.stringify(big.invariantViolations),
    floor: '—',
    ratio: '—',
    goal: 'no violation',
    pass: invariantsOk,
  });

  const header: Row = {
    figure: 'figure',
    small: `${n(small.devices)} devices`,
    big: `${n(big.devices)} devices`,
    floor: 'floor (healthz, same rate)',
    ratio: 'ratio big/10k',
    goal: 'goal',
    pass: true,
  };
  const keys = ['figure', 'small', 'big', 'floor', 'ratio', 'goal'] as const;
  const widths = keys.map((k) => Math.max(...[header, ...rows].map((r) => r[k].length)));
  const line = (r: Row, result: string) =>
    `| ${keys.map((k, i) => r[k].padEnd(widths[i]!)).join(' | ')} | ${result} |`;
  console.log(`\n${line(header, 'result')}`);
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|--------|`);
  for (const r of rows) console.log(line(r, r.pass ? 'pass' : 'FAIL'));
  for (const s of [small, big])
    console.log(
      `${n(s.devices)} devices: ${n(s.seeded.lots)} lots (${n(s.seeded.componentLots)} component lots), ${n(s.seeded.builds)} builds; ` +
        `API part ${s.apiSeedSeconds} s, bulk seed ${s.seedSeconds} s (${n(s.devices / s.seedSeconds)} devices/s, ${n(s.seedRowsPerSecond)} rows/s), VACUUM ANALYZE ${s.vacuumSeconds} s; ` +
        `floor p50/p95/p99 at ${LOOKUP_RATE}/s ${s.floor500.p50Ms}/${s.floor500.p95Ms}/${s.floor500.p99Ms} ms, at ${PAGE_RATE}/s ${s.floor50.p50Ms}/${s.floor50.p95Ms}/${s.floor50.p99Ms} ms\n` +
        `  one request at a time (p50 of 30): ${Object.entries(s.aloneP50Ms)
          .map(([k, v]) => `${k} ${v} ms`)
          .join(', ')}\n` +
        `  CPU per request (web + PostgreSQL, ms): ${Object.entries(s.cpuMsPerRequest)
          .map(([k, v]) => `${k} ${v.web} + ${v.postgres}`)
          .join(', ')}; load average ${s.loadAverage}`,
    );
  const pass = rows.every((r) => r.pass);
  console.log(pass ? 'PASS' : 'FAIL');
  console.log(
    JSON.stringify({
      bench: 'scale',
      seconds: SECONDS,
      node: nodeVersion(NODE),
      small,
      big,
      goal: GOAL,
      loadAverage: Number(loadavg()[0]!.toFixed(1)),
      pass,
    }),
  );
  if (!pass) process.exitCode = 1;
} finally {
  for (const child of [...children]) await stop(child);
  if (!KEEP) for (const name of databases) await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  for (const prefix of prefixes) await deleteRedisKeys(REDIS_URL, prefix);
}
