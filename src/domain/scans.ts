/**
 * What a scanner typed at a scan station: the URL in a buildtrace label's 2D code
 * (`<PUBLIC_URL>/id/<code>` or `/id/<build code>/<serial>`), a bare ID code, a formatted serial
 * (`GLA-2650-00015`), or any other text (a MAC address, a supplier's bag code). Keyboard-wedge
 * scanners end with Enter and may add spaces; that is trimmed here.
 */
export type Scan =
  | { kind: 'object'; code: string; serial: number | null }
  | { kind: 'text'; text: string }
  | { kind: 'empty' };

/** The longest text a station takes in one scan (a supplier's DataMatrix can be long). */
export const MAX_SCAN = 2_000;

export function parseScan(input: string): Scan {
  const text = input.replace(/[\r\n]+$/g, '').trim();
  if (text === '') return { kind: 'empty' };
  const url = /^(?:https?:\/\/[^/\s]+)?\/id\/([A-Za-z0-9-]{1,40})(?:\/(\d{1,7}))?\/?(?:[?#].*)?$/.exec(text);
  if (url) return { kind: 'object', code: url[1]!, serial: url[2] ? Number(url[2]) : null };
  return { kind: 'text', text: text.slice(0, MAX_SCAN) };
}
