/**
 * Slack users and their roles. A request from Slack runs as the actor `slack:<user id>` with the
 * role stored here; a user not listed gets the role SLACK_UNKNOWN_USER_ROLE names (src/slack/actor.ts).
 * Admins manage the list through the API (`/api/v1/slack-users`) and the CLI (`buildtrace slack-user`).
 */
import { z } from 'zod';
import { NotFoundError } from '../domain/errors.ts';
import { ROLES } from '../domain/roles.ts';
import { defineCommand } from './define.ts';
import { optionalText, pageQuery } from './validation.ts';

export const slackUserId = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[UW][A-Z0-9]{2,30}$/, 'must be a Slack user ID such as U024BE7LH')
  .describe('Slack user ID (profile → ⋮ → Copy member ID), e.g. U024BE7LH');

export const setSlackUserRole = defineCommand({
  name: 'setSlackUserRole',
  summary: 'Give a Slack user a role (viewer, operator or admin), adding the user when new',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    user: slackUserId,
    role: z.enum(ROLES),
    name: optionalText(200).describe('who this is, for people reading the list'),
  }),
  async run({ repos, actor }, { user, role, name }) {
    const before = await repos.slackUsers.find(user);
    // A page session carries the role it was given at sign-in: a new role ends it (sign in again).
    if (before?.role !== role) await repos.sessions.revokeForSlackUser(user);
    return repos.slackUsers.upsert({ userId: user, role, name, updatedBy: actor.name });
  },
});

export const listSlackUsers = defineCommand({
  name: 'listSlackUsers',
  summary: 'List Slack users and their roles',
  role: 'admin',
  mode: 'read',
  input: pageQuery,
  run: ({ repos }, page) => repos.slackUsers.list(page),
});

export const getSlackUser = defineCommand({
  name: 'getSlackUser',
  summary: "Show a Slack user's role",
  role: 'admin',
  mode: 'read',
  input: z.strictObject({ user: slackUserId }),
  async run({ repos }, { user }) {
    const found = await repos.slackUsers.find(user);
    if (!found) throw new NotFoundError('Slack user', user, `Slack user ${user} has no role here`, 'user');
    return found;
  },
});

export const removeSlackUser = defineCommand({
  name: 'removeSlackUser',
  summary: 'Remove a Slack user: from then on they get the role given to unknown users',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ user: slackUserId }),
  async run({ repos }, { user }) {
    const removed = await repos.slackUsers.remove(user);
    if (!removed) throw new NotFoundError('Slack user', user, `Slack user ${user} has no role here`, 'user');
    await repos.sessions.revokeForSlackUser(user);
    return removed;
  },
});

/** The stored role of a Slack user, or null (transports ask this before anything else). */
export const slackUserRole = defineCommand({
  name: 'slackUserRole',
  summary: "A Slack user's stored role, or null (Slack transport only)",
  role: 'admin',
  mode: 'read',
  input: z.strictObject({ user: slackUserId }),
  run: async ({ repos }, { user }) => (await repos.slackUsers.find(user))?.role ?? null,
});
