import { z } from 'zod';
import type { Location } from '../../domain/types.ts';
import { code, timestamp, type Assert, type SameKeys } from './common.ts';

export const LocationOut = z
  .object({
    code,
    name: z.string(),
    description: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Location' });

type _LocationKeys = Assert<SameKeys<z.output<typeof LocationOut>, Location, 'id'>>;
