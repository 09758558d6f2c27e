/**
 * One poll per build, however many pages follow it. A build page open on every phone of a line
 * used to read the build every couple of seconds for each open page; the feed reads it once per
 * interval for all of them (in this process) and hands the same answer to each follower. A read
 * never overlaps the previous one of the same build, and a build nobody follows is not read.
 */

export interface BuildFeed<B> {
  /**
   * Calls `listener` with the build after each read (null once it can no longer be read) until the
   * returned function is called.
   */
  follow(code: string, listener: (build: B | null) => void): () => void;
  /** Builds read right now, for tests and metrics. */
  readonly following: number;
}

export function buildFeed<B>(read: (code: string) => Promise<B>, intervalMs: number): BuildFeed<B> {
  interface Feed {
    listeners: Set<(build: B | null) => void>;
    timer: NodeJS.Timeout;
    reading: boolean;
  }
  const feeds = new Map<string, Feed>();

  async function tick(feed: Feed, code: string) {
    if (feed.reading) return;
    feed.reading = true;
    let build: B | null;
    try {
      build = await read(code);
    } catch {
      build = null;
    } finally {
      feed.reading = false;
    }
    for (const listener of [...feed.listeners]) listener(build);
  }

  return {
    follow(code, listener) {
      let feed = feeds.get(code);
      if (!feed) {
        const created: Feed = {
          listeners: new Set(),
          timer: setInterval(() => void tick(created, code), intervalMs),
          reading: false,
        };
        // An open page does not keep the process alive at shutdown.
        created.timer.unref();
        feeds.set(code, created);
        feed = created;
      }
      const followed = feed;
      followed.listeners.add(listener);
      return () => {
        followed.listeners.delete(listener);
        if (followed.listeners.size === 0 && feeds.get(code) === followed) {
          clearInterval(followed.timer);
          feeds.delete(code);
        }
      };
    },
    get following() {
      return feeds.size;
    },
  };
}
