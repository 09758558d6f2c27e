/**
 * `buildtrace doctor` as the tests ask it (through the admin API, as an operator's script would):
 * no stranded work, every rule of the data kept.
 */
import { expect } from 'vitest';
import type { TestContext } from './context.ts';

interface DoctorReport {
  problems: number;
  inFlight: Record<string, number>;
  stranded: { stranded: { subject: string; detail: string }[] } | null;
  invariants: { name: string; violations: number; examples: string[] }[] | null;
  awaitingAction: { subject: string; describe: string; reason: string | null }[];
  recentActions: { subject: string; action: string; cause: string; jobId: string | null }[];
}

export async function doctor(ctx: TestContext): Promise<DoctorReport> {
  const res = await ctx.api('GET', '/api/v1/work');
  expect(res.status, res.text).toBe(200);
  return res.body as unknown as DoctorReport;
}

/** The doctor finds nothing wrong: no stranded work, no broken rule. */
export async function expectDoctorClean(ctx: TestContext): Promise<DoctorReport> {
  const report = await doctor(ctx);
  expect(report.stranded?.stranded ?? [], 'stranded work').toEqual([]);
  expect(
    (report.invariants ?? []).filter((c) => c.violations > 0),
    'rules the data must keep',
  ).toEqual([]);
  expect(report.problems).toBe(0);
  return report;
}
