import { z } from 'zod';
import { OBJECT_KINDS, type CodeTarget } from '../../domain/types.ts';
import { code, type Assert, type SameKeys } from './common.ts';

export const CodeTargetOut = z
  .object({
    kind: z.enum(OBJECT_KINDS),
    code,
    label: z.string(),
    href: z.string().describe('API path of the object'),
  })
  .meta({ id: 'CodeTarget' });

type _CodeTargetKeys = Assert<SameKeys<z.output<typeof CodeTargetOut>, CodeTarget, never, 'href'>>;
