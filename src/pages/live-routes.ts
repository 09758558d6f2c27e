/**
 * Live progress on a build's page: `GET /id/<build code>/live` is a stream of server-sent events.
 * Every couple of seconds the build is read again; when its progress, stages or status changed, a
 * `build` event carries the page's progress and stages sections as the server renders them (the
 * page's `/assets/live.js` puts them in place; without JavaScript the page is simply reloaded by
 * hand). The stream ends with an `end` event when the build is finished, after 15 minutes, or when
 * the browser goes away. Readers only: the same people who may read the build's page.
 */
import type { Router } from 'express';
import { getBuild } from '../commands/builds.ts';
import { execute, type CommandDeps } from '../commands/define.ts';
import { progressSection, stagesSection } from './build.ts';
import type { PageKit } from './kit.ts';

const POLL_MS = 2_000;
const HEARTBEAT_MS = 15_000;
const LIFETIME_MS = 15 * 60_000;
const FINISHED = new Set(['completed', 'cancelled']);

export function liveRoutes(router: Router, deps: CommandDeps, kit: PageKit): void {
  router.get('/id/:code/live', async (req, res) => {
    const visitor = await kit.visitorOf(req, res).catch(() => null);
    if (!visitor?.full) {
      res.status(401).type('text/plain').send('sign in to follow a build');
      return;
    }
    const code = String(req.params.code).toUpperCase();
    const read = () => execute(deps, getBuild, visitor.actor, { code });
    let build;
    try {
      build = await read();
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
    let closed = false;
    const started = Date.now();
    let lastWrite = Date.now();
    const stop = () => {
      closed = true;
    };
    req.on('close', stop);
    const send = (event: string, data: unknown) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      lastWrite = Date.now();
    };
    while (!closed) {
      const signature = JSON.stringify([
        build.status,
        build.unitsGenerated,
        build.unitsCompleted,
        build.unitsScrapped,
        build.unitsCancelled,
        build.stages.map((s) => s.completedAt),
        build.unitCounts,
      ]);
      if (signature !== last) {
        last = signature;
        send('build', {
          status: build.status,
          progress: progressSection(build).toString(),
          stages: stagesSection(build)?.toString() ?? null,
        });
      } else if (Date.now() - lastWrite > HEARTBEAT_MS) {
        res.write(': still here\n\n');
        lastWrite = Date.now();
      }
      if (FINISHED.has(build.status) || Date.now() - started > LIFETIME_MS) {
        send('end', { status: build.status });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (closed) break;
      try {
        build = await read();
      } catch {
        break;
      }
    }
    req.off('close', stop);
    res.end();
  });
}
