/**
 * The pages' static files, read once when the module loads. Each URL carries a hash of the file's
 * content (`?v=`), so it can be cached for a year and still changes the moment the file does.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface Asset {
  body: Buffer;
  contentType: string;
  /** The content hash the URL carries (`?v=`). */
  version: string;
  path: string;
  /** The URL pages link to, with its version. */
  url: string;
}

function asset(file: string, contentType: string): Asset {
  const body = readFileSync(new URL(`./assets/${file}`, import.meta.url));
  const version = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const path = `/assets/${file}`;
  return { body, contentType, version, path, url: `${path}?v=${version}` };
}

export const stylesheet = asset('pages.css', 'text/css; charset=utf-8');
/** The scan station's enhancement: scans answered in place, the camera where the browser can read codes. */
export const stationScript = asset('station.js', 'text/javascript; charset=utf-8');
/** A build page's live progress (server-sent events). */
export const liveScript = asset('live.js', 'text/javascript; charset=utf-8');

/** Every static file the pages router serves. */
export const ASSETS: readonly Asset[] = [stylesheet, stationScript, liveScript];
