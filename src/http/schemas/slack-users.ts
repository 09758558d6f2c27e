import { z } from 'zod';
import { ROLES } from '../../domain/roles.ts';
import type { SlackUser } from '../../domain/slack-types.ts';
import { timestamp, type Assert, type SameKeys } from './common.ts';

export const SlackUserOut = z
  .object({
    user: z.string().describe('Slack user ID'),
    role: z.enum(ROLES),
    name: z.string().nullable(),
    updatedBy: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'SlackUser' });

type _SlackUserKeys = Assert<SameKeys<z.output<typeof SlackUserOut>, SlackUser, 'id' | 'userId', 'user'>>;
