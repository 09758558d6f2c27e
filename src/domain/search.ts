/**
 * Search: finding a thing from whatever is at hand — a scanned or typed ID code, the formatted serial
 * on a label, an external identifier (MAC address, IMEI …), a manufacturer part number, a supplier
 * order, a date code or a name.
 *
 * Glossary
 * - **search item**: one thing found — its kind (a `device` is a lot with a serial; a `lot` any other
 *   lot), its ID code, a title and a subtitle to show, and what matched (`matched`, with the value
 *   that matched, as stored).
 * - **exact match**: an ID code, a formatted serial or an identifier: it names one thing, and is
 *   listed before the other matches (prefixes, substrings, lots sharing an order or date code).
 *
 * Pure: the shapes and the order only.
 */

export const SEARCH_ITEM_KINDS = ['lot', 'device', 'build', 'part', 'project', 'location'] as const;
export type SearchItemKind = (typeof SEARCH_ITEM_KINDS)[number];

/** What a search item was found by, in the order items are listed. */
export const SEARCH_MATCHES = [
  'code',
  'serial',
  'identifier',
  'mpn',
  'supplier_order',
  'date_code',
  'name',
] as const;
export type SearchMatch = (typeof SEARCH_MATCHES)[number];

export interface SearchItem {
  kind: SearchItemKind;
  code: string;
  title: string;
  subtitle: string | null;
  matched: SearchMatch;
  /** The value that matched, as stored (an identifier as normalized, an MPN as written). */
  matchedValue: string;
}

/**
 * The items to answer: exact matches first, then the others in the order of {@link SEARCH_MATCHES},
 * each thing once (by its first, best match), at most `limit`.
 */
export function rankSearchItems(items: SearchItem[], limit: number): SearchItem[] {
  const rank = (m: SearchMatch) => SEARCH_MATCHES.indexOf(m);
  const sorted = items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => rank(a.item.matched) - rank(b.item.matched) || a.i - b.i);
  const seen = new Set<string>();
  const out: SearchItem[] = [];
  for (const { item } of sorted) {
    if (seen.has(item.code)) continue;
    seen.add(item.code);
    out.push(item);
    if (out.length === limit) break;
  }
  return out;
}
