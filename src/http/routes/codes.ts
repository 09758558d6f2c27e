import { resolveCode } from '../../commands/codes.ts';
import type { CodeTarget } from '../../domain/types.ts';
import { route } from '../route.ts';
import { CodeTargetOut } from '../schemas.ts';

const COLLECTION: Record<CodeTarget['kind'], string> = {
  part: 'parts',
  location: 'locations',
  lot: 'lots',
  project: 'projects',
  build: 'builds',
};

export const codeRoutes = [
  route({
    method: 'get',
    path: '/codes/{code}',
    tag: 'ID codes',
    command: resolveCode,
    response: CodeTargetOut,
    present: (target: CodeTarget) => ({
      ...target,
      href: `/api/v1/${COLLECTION[target.kind]}/${target.code}`,
    }),
    description:
      'Accepts any case, hyphens and spaces, and the usual O/0 and I/L/1 confusions. A code whose check character does not match is refused with 400 (a typo), a valid code that names nothing with 404.',
  }),
];
