import { z } from 'zod';
import { NotFoundError } from '../domain/errors.ts';
import { typoCandidates } from '../domain/id-code-typos.ts';
import type { CodeTarget } from '../domain/types.ts';
import { defineCommand } from './define.ts';
import { normalizeCode } from './lookup.ts';
import { idCodeRef } from './validation.ts';

export const resolveCode = defineCommand({
  name: 'resolveCode',
  summary: 'Resolve any ID code (part, location, lot, project or build) to its object',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, input) {
    const code = normalizeCode('code', input.code);
    const target = await repos.codes.resolve(code);
    if (!target) throw new NotFoundError('object', code, `no object has the ID code ${code}`, 'code');
    return target;
  },
});

export const suggestCodes = defineCommand({
  name: 'suggestCodes',
  summary:
    'What a mistyped ID code probably meant: the objects whose codes are one substitution, swap, missing or extra character away',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }) {
    const items: CodeTarget[] = [];
    for (const candidate of typoCandidates(code)) {
      const target = await repos.codes.resolve(candidate);
      if (target) items.push(target);
    }
    return { items };
  },
});
