import type { SlackUser } from '../../commands/ports.ts';
import * as slackUsers from '../../commands/slack-users.ts';
import { route } from '../route.ts';
import { SlackUserOut, pageOf } from '../schemas.ts';

const tag = 'Slack users';
const present = ({ userId, ...rest }: SlackUser) => ({ user: userId, ...rest });

export const slackUserRoutes = [
  route({
    method: 'get',
    path: '/slack-users',
    tag,
    command: slackUsers.listSlackUsers,
    response: pageOf(SlackUserOut),
    present: (page: { items: SlackUser[]; nextCursor: string | null }) => ({
      items: page.items.map(present),
      nextCursor: page.nextCursor,
    }),
  }),
  route({
    method: 'get',
    path: '/slack-users/{user}',
    tag,
    command: slackUsers.getSlackUser,
    response: SlackUserOut,
    present,
    versioned: 'slack_users',
  }),
  route({
    method: 'put',
    path: '/slack-users/{user}',
    tag,
    command: slackUsers.setSlackUserRole,
    response: SlackUserOut,
    present,
    description: 'Sets the role a Slack user acts with (adding the user when new).',
  }),
  route({
    method: 'delete',
    path: '/slack-users/{user}',
    tag,
    command: slackUsers.removeSlackUser,
    response: SlackUserOut,
    present,
    description: 'From then on the user gets the role SLACK_UNKNOWN_USER_ROLE gives unknown users.',
  }),
];
