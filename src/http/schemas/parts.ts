import { z } from 'zod';
import { PART_KINDS, type Part } from '../../domain/types.ts';
import { code, fieldsOut, timestamp, type Assert, type SameKeys } from './common.ts';

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
    gtin: z
      .string()
      .nullable()
      .describe('GTIN as GTIN-14 (14 digits), printed in GS1 DataMatrix device labels (`symbol: gs1`)'),
    fields: fieldsOut,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Part' });

type _PartKeys = Assert<SameKeys<z.output<typeof PartOut>, Part, 'id'>>;
