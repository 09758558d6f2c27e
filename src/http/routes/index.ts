/** Every API route, in the order the reference lists them. */
import type { RouteDef } from '../route.ts';
import { buildRoutes } from './builds.ts';
import { codeRoutes } from './codes.ts';
import { locationRoutes } from './locations.ts';
import { lotRoutes } from './lots.ts';
import { partRoutes } from './parts.ts';
import { projectRoutes } from './projects.ts';
import { sessionRoutes } from './sessions.ts';
import { tokenRoutes } from './tokens.ts';
import { traceRoutes } from './trace.ts';
import { recallRoutes } from './recalls.ts';
import { labelRoutes } from './labels.ts';
import { shipmentRoutes } from './shipments.ts';
import { printerRoutes } from './printers.ts';
import { historyRoutes } from './history.ts';
import { identifierRoutes } from './identifiers.ts';
import { searchRoutes } from './search.ts';
import { attachmentRoutes } from './attachments.ts';
import { webhookRoutes } from './webhooks.ts';
import { slackUserRoutes } from './slack-users.ts';
import { workRoutes } from './work.ts';

export const apiRoutes: RouteDef[] = [
  ...partRoutes,
  ...locationRoutes,
  ...lotRoutes,
  ...identifierRoutes,
  ...projectRoutes,
  ...buildRoutes,
  ...historyRoutes,
  ...attachmentRoutes,
  ...traceRoutes,
  ...recallRoutes,
  ...shipmentRoutes,
  ...labelRoutes,
  ...webhookRoutes,
  ...printerRoutes,
  ...codeRoutes,
  ...searchRoutes,
  ...tokenRoutes,
  ...sessionRoutes,
  ...slackUserRoutes,
  ...workRoutes,
];
