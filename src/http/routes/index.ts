/** Every API route, in the order the reference lists them. */
import type { RouteDef } from '../route.ts';
import { buildRoutes } from './builds.ts';
import { codeRoutes } from './codes.ts';
import { locationRoutes } from './locations.ts';
import { lotRoutes } from './lots.ts';
import { partRoutes } from './parts.ts';
import { projectRoutes } from './projects.ts';
import { tokenRoutes } from './tokens.ts';
import { traceRoutes } from './trace.ts';
import { recallRoutes } from './recalls.ts';
import { labelRoutes } from './labels.ts';
import { webhookRoutes } from './webhooks.ts';

export const apiRoutes: RouteDef[] = [
  ...partRoutes,
  ...locationRoutes,
  ...lotRoutes,
  ...projectRoutes,
  ...buildRoutes,
  ...traceRoutes,
  ...recallRoutes,
  ...labelRoutes,
  ...webhookRoutes,
  ...codeRoutes,
  ...tokenRoutes,
];
