/**
 * The pages' static files, read once when the module loads. The stylesheet's URL carries a hash
 * of its content, so it can be cached for a year and still changes the moment the file does.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const css = readFileSync(new URL('./assets/pages.css', import.meta.url));

export const stylesheet = {
  body: css,
  contentType: 'text/css; charset=utf-8',
  /** The content hash the stylesheet's URL carries (`?v=`). */
  version: createHash('sha256').update(css).digest('hex').slice(0, 12),
  path: '/assets/pages.css',
};

/** The stylesheet's URL, with its version. */
export const stylesheetUrl = `${stylesheet.path}?v=${stylesheet.version}`;

const js = readFileSync(new URL('./assets/station.js', import.meta.url));

/** The scan station's enhancement: scans answered in place, the camera where the browser can read codes. */
export const stationScript = {
  body: js,
  contentType: 'text/javascript; charset=utf-8',
  version: createHash('sha256').update(js).digest('hex').slice(0, 12),
  path: '/assets/station.js',
};

/** The station script's URL, with its version. */
export const stationScriptUrl = `${stationScript.path}?v=${stationScript.version}`;

const liveJs = readFileSync(new URL('./assets/live.js', import.meta.url));

/** A build page's live progress (server-sent events). */
export const liveScript = {
  body: liveJs,
  contentType: 'text/javascript; charset=utf-8',
  version: createHash('sha256').update(liveJs).digest('hex').slice(0, 12),
  path: '/assets/live.js',
};

export const liveScriptUrl = `${liveScript.path}?v=${liveScript.version}`;
