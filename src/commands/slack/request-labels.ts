/**
 * Labels asked for in Slack: the PDF is uploaded to the channel when it is ready; or, printed on a
 * printer, one message for the run in the channel, kept up to date as it prints.
 */
import { z } from 'zod';
import { RuleViolation, ValidationError } from '../../domain/errors.ts';
import { parseIdCode } from '../../domain/id-code.ts';
import { TEMPLATE_NAMES } from '../../domain/label-templates.ts';
import { excerpt } from '../../domain/slack-commands.ts';
import { defineCommand } from '../define.ts';
import { requestLabels } from '../labels.ts';
import { idCodeRef, parseWith } from '../validation.ts';
import { channelId, messageJob, responseUrl, slackSubjects } from './shared.ts';

export const requestLabelsFromSlack = defineCommand({
  name: 'requestLabelsFromSlack',
  summary:
    "Render labels of a build's units and upload the PDF to a Slack channel when it is ready, or print them on a printer with one message for the run",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    build: idCodeRef,
    template: z.string().optional(),
    serials: z.string().optional(),
    dpi: z.int().optional(),
    /** Print on this printer (a name, an id, or `default`) instead of rendering a PDF. */
    printer: z.string().optional(),
    channel: channelId,
    responseUrl: responseUrl.optional(),
  }),
  async run(ctx, { build, template, serials, dpi, printer, channel, responseUrl: url }) {
    if (template && !(TEMPLATE_NAMES as readonly string[]).includes(template))
      throw ValidationError.field(
        'template',
        `'${excerpt(template)}' is not a label template; the templates are ${TEMPLATE_NAMES.join(', ')}`,
      );
    // A build that does not track units has no unit labels: Slack prints the lot(s) it made.
    const ref = parseIdCode(build);
    const found = ref.ok ? await ctx.repos.builds.findByCode(ref.code) : null;
    let lots: string[] | undefined;
    if (found && !found.trackUnits) {
      if (serials)
        throw ValidationError.field('serials', `build ${found.code} does not track units: it has no serials`);
      const made = [
        ...(await ctx.repos.lots.producedBy(found.id, 'in_production')),
        ...(await ctx.repos.lots.producedBy(found.id, 'available')),
      ];
      if (made.length === 0)
        throw new RuleViolation(
          `build ${found.code} does not track units and has made no lot yet: its lot gets a label once the build is started`,
        );
      lots = made.map((l) => l.code);
    }
    // The build's project's printer, also when its lots are printed (not their location's).
    let printerRef = printer;
    if (printer?.toLowerCase() === 'default' && found) {
      const assignment = await ctx.repos.printers.assignment('project', found.projectId);
      if (assignment) printerRef = String(assignment.printerId);
    }
    const input = parseWith(requestLabels.input, {
      ...(lots ? { lots } : { build }),
      ...(template ? { template } : {}),
      ...(serials && !lots ? { serials } : {}),
      ...(dpi ? { dpi } : {}),
      ...(printerRef ? { printer: printerRef } : {}),
    });
    const run = await requestLabels.run(ctx, input);
    if (run.printerId !== null) {
      const message = await ctx.repos.slackMessages.insert({
        subject: slackSubjects.printRun(run.id),
        kind: 'build',
        channel,
        buildId: found?.id ?? null,
        labelRunId: run.id,
        requestedBy: ctx.actor.name,
        responseUrl: url,
      });
      await ctx.repos.jobs.enqueue(messageJob(message, 'requested'));
      return run;
    }
    await ctx.repos.slackMessages.insert({
      subject: slackSubjects.labels(run.id),
      kind: 'upload',
      channel,
      labelRunId: run.id,
      requestedBy: ctx.actor.name,
      responseUrl: url,
    });
    return run;
  },
});
