import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx?.close());

describe('api smoke', () => {
  it('creates a part, receives stock, splits it', async () => {
    const part = await ctx.api('POST', '/api/v1/parts', { body: { name: 'R 10k', mpn: 'RC0603' } });
    expect(part.status, part.text).toBe(201);
    const lot = await ctx.api('POST', '/api/v1/lots', { body: { part: part.body.code, quantity: 100 } });
    expect(lot.status, lot.text).toBe(201);
    const split = await ctx.api('POST', `/api/v1/lots/${lot.body.code}/split`, { body: { quantity: 30 } });
    expect(split.status, split.text).toBe(201);
    const ledger = await ctx.api('GET', `/api/v1/lots/${lot.body.code}/ledger`);
    expect(ledger.status, ledger.text).toBe(200);
    console.log(JSON.stringify(ledger.body), JSON.stringify(split.body));
    const doc = await ctx.api('GET', '/api/v1/openapi.json', { role: null });
    expect(doc.status).toBe(200);
  });
});
