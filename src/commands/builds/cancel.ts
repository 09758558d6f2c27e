/** Cancelling any build not completed: components of units not made go back to their lots. */
import { z } from 'zod';
import { defineCommand } from '../define.ts';
import { idCodeRef, text } from '../validation.ts';
import { requestOperation } from './operations.ts';

export const cancelBuild = defineCommand({
  name: 'cancelBuild',
  summary:
    'Cancel a build not completed (also one blocked or stopped while generating its units): components of units not made go back to their lots, in-production stock is removed',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef, reason: text(500) }),
  run: ({ repos, actor }, { code, reason }) => requestOperation(repos, actor, code, 'cancel', { reason }),
});
