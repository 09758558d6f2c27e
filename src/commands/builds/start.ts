/** Starting a planned build: its components are reserved at once, or the shortages answered. */
import { z } from 'zod';
import { defineCommand } from '../define.ts';
import { idCodeRef } from '../validation.ts';
import { requestOperation } from './operations.ts';

export const startBuild = defineCommand({
  name: 'startBuild',
  summary:
    'Start a planned build: reserves its components at once, or answers the shortage list without changing anything',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef }),
  run: ({ repos, actor }, { code }) => requestOperation(repos, actor, code, 'start', {}),
});
