import * as trace from '../../commands/trace.ts';
import { route } from '../route.ts';
import { ForwardTraceOut, TraceNodeOut } from '../schemas.ts';

const tag = 'Traceability';
export const traceRoutes = [
  route({
    method: 'get',
    path: '/trace/backward/{code}',
    tag,
    command: trace.traceBackward,
    response: TraceNodeOut,
    description:
      'A tree: the lot, the build that made it, the component lots that build consumed (with supplier data) and, for a device, the serialized sub-assembly units it holds — each traced back in turn.',
  }),
  route({
    method: 'get',
    path: '/trace/forward/{code}',
    tag,
    command: trace.traceForward,
    response: ForwardTraceOut,
    description:
      'Every lot containing the given lot, at any depth: totals by status and by build, and a page of the lots (cursor pagination). Follows unit-to-unit links where a device names the exact units it holds.',
  }),
];
