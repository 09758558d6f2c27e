import { z } from 'zod';
import type { BomLine, Project } from '../../domain/types.ts';
import { code, timestamp, type Assert, type SameKeys } from './common.ts';

export const BomLineOut = z
  .object({
    partCode: code,
    partName: z.string(),
    quantityPerUnit: z.int(),
    designators: z.array(z.string()),
    note: z.string().nullable(),
  })
  .meta({ id: 'BomLine' });

type _BomLineKeys = Assert<SameKeys<z.output<typeof BomLineOut>, BomLine, 'partId'>>;

export const ProjectOut = z
  .object({
    code,
    name: z.string(),
    description: z.string().nullable(),
    producesPartCode: code,
    serialFormat: z.string().nullable(),
    lines: z.array(BomLineOut),
    bomIncomplete: z
      .object({
        lines: z.array(z.object({ line: z.int(), reason: z.string() })),
        since: timestamp,
      })
      .nullable()
      .describe(
        'null when the BOM is complete; else the rows of its last import(s) that were not imported (line in the file, reason): builds are refused unless they set acceptIncompleteBom',
      ),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Project' });

type _ProjectKeys = Assert<SameKeys<z.output<typeof ProjectOut>, Project, 'id' | 'producesPartId'>>;

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
    newProject: z.boolean().describe('the import created the project (in a dry run: would create it)'),
    shape: z.enum(['grouped', 'per-reference']),
    dryRun: z.boolean(),
    matched: z.array(
      importedLine.extend({
        filled: z
          .array(z.string())
          .describe(
            'what the matched part lacked and the file gave: its empty columns and new fields, kept on the part',
          ),
      }),
    ),
    created: z.array(importedLine),
    rejected: z.array(rowProblem).describe('rows not imported: the project records its BOM as incomplete'),
    skipped: z
      .array(rowProblem)
      .describe(
        'rows that are not parts: DNP, power flags, mounting holes, fiducials, test points without an MPN',
      ),
    warnings: z
      .array(rowProblem)
      .describe('rows imported with a change, e.g. look-alike characters in an MPN replaced'),
  })
  .meta({ id: 'BomImportReport' });
