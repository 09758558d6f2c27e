/** The tests a project's units must pass before they may be completed. */
import { z } from 'zod';
import { ValidationError } from '../../domain/errors.ts';
import { normalizeRequiredTests } from '../../domain/history.ts';
import { defineCommand } from '../define.ts';
import { findOrFail } from '../lookup.ts';
import type { Repositories } from '../ports.ts';
import { idCodeRef, text } from '../validation.ts';

const findProject = (repos: Repositories, code: string, lock = false) =>
  findOrFail('project', 'code', code, (c) => repos.projects.findByCode(c, { lock }));

export const getRequiredTests = defineCommand({
  name: 'getRequiredTests',
  summary: "The tests a project's units must pass before they may be completed",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }) {
    const project = await findProject(repos, code);
    return { project: project.code, tests: await repos.tests.required(project.id) };
  },
});

export const setRequiredTests = defineCommand({
  name: 'setRequiredTests',
  summary:
    "Declare the tests a project's units must pass (latest result) before completion; a failed one quarantines the unit",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef, tests: z.array(text(100)).max(50) }),
  async run({ repos }, { code, tests }) {
    const project = await findProject(repos, code, true);
    const { names, duplicate } = normalizeRequiredTests(tests);
    if (duplicate !== null)
      throw ValidationError.field(`tests.${duplicate}`, 'names a test twice (ignoring case)');
    return { project: project.code, tests: await repos.tests.replaceRequired(project.id, names) };
  },
});
