/**
 * The queue dashboard (bull-board) at /admin/queues, for admins only: an admin API token as a
 * Bearer token, or — so a browser can open it — as the password of HTTP Basic auth.
 */
import { Router, type RequestHandler } from 'express';
import { hashToken } from '../commands/tokens.ts';
import type { UnitOfWork } from '../commands/ports.ts';
import { roleAllows } from '../domain/roles.ts';
import { QUEUE_NAMES } from '../queue/routing.ts';
import type { Queues } from '../queue/queues.ts';
import { sendProblem } from './problem.ts';

function adminOnly(uow: UnitOfWork): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    let secret: string | undefined;
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (bearer) secret = bearer[1];
    else if (basic) secret = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').slice(1).join(':');
    const token = secret ? await uow.read((repos) => repos.tokens.findActiveByHash(hashToken(secret))) : null;
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Basic realm="buildtrace admin", charset="UTF-8"');
      return sendProblem(
        res,
        401,
        'the queue dashboard needs an admin API token (as the Basic auth password)',
      );
    }
    if (!roleAllows(token.role, 'admin'))
      return sendProblem(res, 403, `the queue dashboard is for admins; ${token.name} is ${token.role}`);
    next();
  };
}

/**
 * bull-board is loaded when an admin first opens the dashboard: every web process would otherwise
 * carry its ~6 MB of heap (which each full garbage collection marks again) for a page seldom opened.
 */
export function queueDashboard(queues: Queues, uow: UnitOfWork, basePath = '/admin/queues'): Router {
  let board: Promise<Router> | undefined;
  const load = async (): Promise<Router> => {
    const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
      import('@bull-board/api'),
      import('@bull-board/api/bullMQAdapter'),
      import('@bull-board/express'),
    ]);
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(basePath);
    createBullBoard({
      queues: QUEUE_NAMES.map((name) => new BullMQAdapter(queues.get(name))),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'buildtrace' } },
    });
    return serverAdapter.getRouter() as Router;
  };
  const router = Router();
  router.use(adminOnly(uow), (req, res, next) => {
    (board ??= load()).then(
      (dashboard) => dashboard(req, res, next),
      (error: unknown) => {
        board = undefined;
        next(error);
      },
    );
  });
  return router;
}
