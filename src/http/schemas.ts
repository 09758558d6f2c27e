/**
 * The public shapes of API responses. Responses are passed through these schemas, which also keeps
 * internal ids from leaking: objects are identified by their ID code.
 */
import { z } from 'zod';
import { ROLES } from '../domain/roles.ts';
import { PART_KINDS, STOCK_STATUSES, LEDGER_REASONS } from '../domain/types.ts';

const timestamp = z.iso.datetime({ offset: true });
const code = z.string().describe('ID code');
const fieldsOut = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const PartOut = z
  .object({
    code,
    name: z.string(),
    kind: z.enum(PART_KINDS),
    description: z.string().nullable(),
    manufacturer: z.string().nullable(),
    mpn: z.string().nullable(),
    value: z.string().nullable(),
    footprint: z.string().nullable(),
    fields: fieldsOut,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Part' });

export const LocationOut = z
  .object({
    code,
    name: z.string(),
    description: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Location' });

export const LotOut = z
  .object({
    code,
    partCode: code,
    locationCode: code.nullable(),
    quantity: z.int(),
    status: z.enum(STOCK_STATUSES),
    source: z.string(),
    supplier: z.string().nullable(),
    supplierOrder: z.string().nullable(),
    dateCode: z.string().nullable(),
    expiresOn: z.iso.date().nullable(),
    fields: fieldsOut,
    parentLotCode: code.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Lot' });

export const SplitOut = z.object({ parent: LotOut, lot: LotOut }).meta({ id: 'SplitResult' });

export const LedgerEntryOut = z
  .object({
    lotCode: code,
    delta: z.int(),
    quantityAfter: z.int(),
    reason: z.enum(LEDGER_REASONS),
    note: z.string().nullable(),
    actor: z.string(),
    buildCode: code.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'LedgerEntry' });

export const BomLineOut = z
  .object({
    partCode: code,
    partName: z.string(),
    quantityPerUnit: z.int(),
    designators: z.array(z.string()),
    note: z.string().nullable(),
  })
  .meta({ id: 'BomLine' });

export const ProjectOut = z
  .object({
    code,
    name: z.string(),
    description: z.string().nullable(),
    producesPartCode: code,
    serialFormat: z.string().nullable(),
    lines: z.array(BomLineOut),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Project' });

const rowProblem = z.object({ line: z.int(), reason: z.string() });
const importedLine = z.object({
  lines: z.array(z.int()),
  mpn: z.string(),
  part: code.nullable(),
  quantity: z.int(),
});
export const BomImportOut = z
  .object({
    project: ProjectOut.nullable().describe('null in a dry run for a project that would be created'),
    shape: z.enum(['grouped', 'per-reference']),
    dryRun: z.boolean(),
    matched: z.array(importedLine),
    created: z.array(importedLine),
    rejected: z.array(rowProblem),
    skipped: z.array(rowProblem),
  })
  .meta({ id: 'BomImportReport' });

export const TokenOut = z
  .object({
    id: z.int(),
    name: z.string(),
    role: z.enum(ROLES),
    prefix: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiToken' });
export const NewTokenOut = TokenOut.extend({ token: z.string().describe('the secret; shown only now') }).meta(
  {
    id: 'NewApiToken',
  },
);

export const CodeTargetOut = z
  .object({
    kind: z.enum(['part', 'location', 'lot', 'project', 'build']),
    code,
    label: z.string(),
    href: z.string().describe('API path of the object'),
  })
  .meta({ id: 'CodeTarget' });

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const ProblemOut = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
