/**
 * Live progress on a build's page: `GET /id/<build code>/live` is a stream of server-sent events.
 * Every couple of seconds the build is read again, once for all the pages following it in this
 * process (`build-feed.ts`); when its progress, stages or status changed, a
 * `build` event carries the page's progress and stages sections as the server renders them (the
 * page's `/assets/live.js` puts them in place; without JavaScript the page is simply reloaded by
 * hand). The stream ends with an `end` event when the build is finished, after 15 minutes, or when
 * the browser goes away. Readers only: the same people who may read the build's page.
 */
import type { Router } from 'express';
import { getBuild } from '../commands/builds.ts';
import { execute, type CommandDeps } from '../commands/define.ts';
import { SYSTEM_ACTOR } from '../domain/roles.ts';
import { buildFeed } from './build-feed.ts';
import { progressSection, stagesSection } from './build.ts';
import type { PageKit } from './kit.ts';

const POLL_MS = 2_000;
const HEARTBEAT_MS = 15_000;
const LIFETIME_MS = 15 * 60_000;
const FINISHED = new Set(['completed', 'cancelled']);

type Build = Awaited<ReturnType<typeof getBuild.run>>;

export function liveRoutes(router: Router, deps: CommandDeps, kit: PageKit): void {
  // Whoever may read the build was checked when their stream opened; the shared read is the system's.
  const feed = buildFeed<Build>((code) => execute(deps, getBuild, SYSTEM_ACTOR, { code }), POLL_MS);

  router.get('/id/:code/live', async (req, res) => {
    const visitor = await kit.visitorOf(req, res).catch(() => null);
    if (!visitor?.full) {
      res.status(401).type('text/plain').send('sign in to follow a build');
      return;
    }
    const code = String(req.params.code).toUpperCase();
    let build: Build;
    try {
      build = await execute(deps, getBuild, visitor.actor, { code });
    } catch {
      res.status(404).type('text/plain').send('no such build');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write('retry: 5000\n\n');
    let last = '';
    const started = Date.now();
    let lastWrite = Date.now();
    const send = (event: string, data: unknown) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      lastWrite = Date.now();
    };
    let unfollow = () => {};
    const end = () => {
      unfollow();
      req.off('close', end);
      res.end();
    };
    /** Sends the build when it changed (or a heartbeat); true when the stream is over. */
    const show = (current: Build) => {
      const signature = JSON.stringify([
        current.status,
        current.unitsGenerated,
        current.unitsCompleted,
        current.unitsScrapped,
        current.unitsCancelled,
        current.stages.map((s) => s.completedAt),
        current.unitCounts,
      ]);
      if (signature !== last) {
        last = signature;
        send('build', {
          status: current.status,
          progress: progressSection(current).toString(),
          stages: stagesSection(current)?.toString() ?? null,
        });
      } else if (Date.now() - lastWrite > HEARTBEAT_MS) {
        res.write(': still here\n\n');
        lastWrite = Date.now();
      }
      if (FINISHED.has(current.status) || Date.now() - started > LIFETIME_MS) {
        send('end', { status: current.status });
        return true;
      }
      return false;
    };
    req.on('close', end);
    if (show(build)) {
      end();
      return;
    }
    unfollow = feed.follow(code, (current) => {
      if (current === null || show(current)) end();
    });
  });
}
