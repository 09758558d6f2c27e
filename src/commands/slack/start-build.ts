/** Starting a build from Slack: the build's message goes to the channel it was asked in. */
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.ts';
import { parseIdCode } from '../../domain/id-code.ts';
import { excerpt } from '../../domain/slack-commands.ts';
import { createBuild } from '../builds.ts';
import { defineCommand } from '../define.ts';
import type { Repositories } from '../ports.ts';
import { parseWith, text } from '../validation.ts';
import { channelId, messageJob, responseUrl, slackSubjects } from './shared.ts';

async function findProject(repos: Repositories, named: string) {
  const code = parseIdCode(named);
  const project = code.ok
    ? await repos.projects.findByCode(code.code)
    : await repos.projects.findByName(named);
  if (!project)
    throw new NotFoundError(
      'project',
      named,
      code.ok ? `project ${code.code} does not exist` : `no project is named '${excerpt(named)}'`,
      'project',
    );
  return project;
}

export const startBuildFromSlack = defineCommand({
  name: 'startBuildFromSlack',
  summary: "Start a build of a project named by ID code or name, and post the build's message to a channel",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    project: text(200),
    quantity: z.int(),
    trackUnits: z.boolean().default(false),
    stages: z.array(z.string()).default([]),
    acceptIncompleteBom: z.boolean().default(false),
    channel: channelId,
    responseUrl: responseUrl.optional(),
  }),
  async run(
    ctx,
    { project: named, quantity, trackUnits, stages, acceptIncompleteBom, channel, responseUrl: url },
  ) {
    const project = await findProject(ctx.repos, named);
    const input = parseWith(createBuild.input, {
      project: project.code,
      quantity,
      trackUnits,
      stages,
      acceptIncompleteBom,
    });
    const { build, operation } = await createBuild.run(ctx, input);
    const message = await ctx.repos.slackMessages.insert({
      subject: slackSubjects.build(build.code),
      kind: 'build',
      channel,
      buildId: build.id,
      requestedBy: ctx.actor.name,
      responseUrl: url,
    });
    await ctx.repos.jobs.enqueue(messageJob(message, 'requested'));
    return { build, operation, project };
  },
});
