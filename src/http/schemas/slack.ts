import { z } from 'zod';
import { SLACK_DELIVERY_STATUSES, type SlackDelivery } from '../../domain/slack-types.ts';
import { timestamp, type Assert, type SameKeys } from './common.ts';

export const SlackDeliveryOut = z
  .object({
    channel: z.string().describe('Slack channel ID it goes to'),
    status: z
      .enum(SLACK_DELIVERY_STATUSES)
      .describe('`failed`: Slack refused it for good (see `error`); the person who asked was told'),
    error: z.string().nullable().describe("Slack's error code, e.g. `not_in_channel`, `channel_not_found`"),
    postedAt: timestamp.nullable(),
    failedAt: timestamp.nullable(),
  })
  .meta({ id: 'SlackDelivery' });

type _SlackDeliveryKeys = Assert<SameKeys<z.output<typeof SlackDeliveryOut>, SlackDelivery>>;
