import * as sessions from '../../commands/sessions.ts';
import { route } from '../route.ts';
import { PageSessionOut, pageOf } from '../schemas.ts';

const tag = 'Page sessions';
export const sessionRoutes = [
  route({
    method: 'get',
    path: '/sessions',
    tag,
    command: sessions.listPageSessions,
    response: pageOf(PageSessionOut),
  }),
  route({
    method: 'delete',
    path: '/sessions/{id}',
    tag,
    command: sessions.revokePageSession,
    response: PageSessionOut,
  }),
];
