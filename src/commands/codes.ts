import { z } from 'zod';
import { NotFoundError } from '../domain/errors.ts';
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
