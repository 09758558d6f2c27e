import { z } from 'zod';
import { ROLES } from '../../domain/roles.ts';
import type { ApiToken } from '../../domain/tokens.ts';
import { timestamp, type Assert, type SameKeys } from './common.ts';

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

type _TokenKeys = Assert<SameKeys<z.output<typeof TokenOut>, ApiToken>>;
