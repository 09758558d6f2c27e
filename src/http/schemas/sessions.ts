import { z } from 'zod';
import { ROLES } from '../../domain/roles.ts';
import { STATION_FLOWS } from '../../domain/sessions.ts';
import { timestamp } from './common.ts';

export const PageSessionOut = z
  .object({
    id: z.int(),
    kind: z
      .enum(['person', 'kiosk'])
      .describe('a person signed in from Slack, or a scan station with an API token'),
    actor: z.string().describe('who the session acts as: `slack:<user id>` or `kiosk:<token name>`'),
    role: z.enum(ROLES).describe('the role it was given at sign-in'),
    slackUser: z.string().nullable(),
    tokenId: z.int().nullable().describe('the API token a kiosk session signed in with'),
    userAgent: z.string().nullable(),
    createdAt: timestamp,
    lastSeenAt: timestamp.describe('to the minute'),
    expiresAt: timestamp,
    revokedAt: timestamp.nullable(),
    station: z.enum(STATION_FLOWS).nullable().describe('the scan station workflow it has open'),
  })
  .meta({ id: 'PageSession' });
