/** A recall report written by a worker, against the model's forward reach of the same lot. */
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';
import { waitFor } from '../helpers/background.ts';
import type { World } from './world.ts';

/** Recalls the oldest lot of A (it reaches the most) and compares the report's rows. */
export async function compareRecall(world: World): Promise<void> {
  const lot = [...world.model.lots.values()].filter((l) => l.part === 'A').sort((a, b) => a.seq - b.seq)[0];
  if (!lot) return;
  const created = await world.ctx.api('POST', '/api/v1/recalls', {
    body: { lot: world.code(lot.key), reason: 'model' },
  });
  expect(created.status, created.text).toBe(202);
  const id = created.body.id as number;
  await waitFor(
    async () => (await world.ctx.api('GET', `/api/v1/recalls/${id}`)).body.status === 'done',
    'the recall report',
    30_000,
  );
  const csv = (await world.ctx.api('GET', `/api/v1/recalls/${id}/report.csv`)).text;
  const rows = parse(csv, { columns: true }) as { lot: string; depth: string }[];
  const got = Object.fromEntries(rows.map((r) => [world.keyOf(r.lot), Number(r.depth)]));
  expect({ recall: lot.key, rows: got }, `after: ${world.log.join(' → ')}`).toEqual({
    recall: lot.key,
    rows: Object.fromEntries(world.model.forward(lot.key)),
  });
}
