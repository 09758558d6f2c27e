import { z } from 'zod';
import { DEVICE_ACTIONS } from '../../domain/lifecycle.ts';
import { STOCK_STATUSES } from '../../domain/types.ts';
import { code, shortage } from './common.ts';

export const ProblemOut = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

/**
 * A 422's extension members: which ones come depends on the rule broken (see `type` and `detail`).
 * Every member a problem can carry is listed here or in the other problem schemas below.
 */
export const RuleProblemOut = ProblemOut.extend({
  shortages: z
    .array(shortage)
    .optional()
    .describe('not enough stock: every component short, with what is needed and available'),
  missingTests: z
    .array(z.object({ serial: z.int(), lot: code, tests: z.array(z.string()) }))
    .optional()
    .describe('units that lack passing required tests (at most 1,000)'),
  collisions: z
    .array(z.object({ label: z.string(), build: code.nullable() }))
    .optional()
    .describe("formatted serials the project's serial format would repeat"),
  deviceStatus: z
    .enum(STOCK_STATUSES)
    .optional()
    .describe("a lifecycle action not allowed: the device's status"),
  allowed: z.array(z.enum(DEVICE_ACTIONS)).optional().describe('the lifecycle actions allowed now'),
}).meta({ id: 'RuleProblem' });

/** A 413 for an upload: the configured limit. */
export const TooLargeProblemOut = ProblemOut.extend({
  maxBytes: z.int().optional().describe('the largest file accepted (ATTACHMENT_MAX_BYTES)'),
}).meta({ id: 'TooLargeProblem' });

/** A 500: `sha256` when a stored file failed its integrity check (`stored-file-damaged`). */
export const ServerProblemOut = ProblemOut.extend({
  sha256: z.string().optional().describe('the damaged stored file'),
}).meta({ id: 'ServerProblem' });

/** A 412: the resource changed since the `If-Match` tag was read; `etag` is its tag now. */
export const PreconditionProblemOut = ProblemOut.extend({
  etag: z.string().optional().describe('the current ETag (absent when the resource does not exist)'),
}).meta({ id: 'PreconditionProblem' });
