import * as parts from '../../commands/parts.ts';
import { route } from '../route.ts';
import { PartOut, pageOf } from '../schemas.ts';

const tag = 'Parts';
export const partRoutes = [
  route({ method: 'get', path: '/parts', tag, command: parts.listParts, response: pageOf(PartOut) }),
  route({ method: 'post', path: '/parts', tag, command: parts.createPart, status: 201, response: PartOut }),
  route({
    method: 'get',
    path: '/parts/{code}',
    tag,
    command: parts.getPart,
    response: PartOut,
    versioned: 'parts',
  }),
  route({ method: 'patch', path: '/parts/{code}', tag, command: parts.updatePart, response: PartOut }),
  route({ method: 'delete', path: '/parts/{code}', tag, command: parts.deletePart, status: 204 }),
];
