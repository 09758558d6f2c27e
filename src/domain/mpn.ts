/**
 * Manufacturer part numbers as people paste them. A spreadsheet or a datasheet PDF turns a hyphen
 * into a minus sign (U+2212) or an en dash, a web page adds a zero-width space, a Cyrillic keyboard
 * gives an `М` that looks like `M`: the part number then matches nothing, and a second part with "the
 * same" MPN is created. MPNs are written in ASCII, so look-alikes are replaced by the ASCII character
 * they imitate; the caller says which were replaced.
 *
 * Pure: no I/O.
 */

/** Characters that look like an ASCII one (or like nothing) and are never meant in an MPN. */
const LOOK_ALIKES: Record<string, string> = {
  // dashes and minus signs
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\uFE58': '-',
  '\uFE63': '-',
  '\uFF0D': '-',
  // slashes
  '\u2044': '/',
  '\u2215': '/',
  // invisible characters
  '\u00AD': '',
  '\u200B': '',
  '\u200C': '',
  '\u200D': '',
  '\u2060': '',
  '\uFEFF': '',
  // Cyrillic letters drawn like Latin ones
  '\u0410': 'A',
  '\u0412': 'B',
  '\u0415': 'E',
  '\u041A': 'K',
  '\u041C': 'M',
  '\u041D': 'H',
  '\u041E': 'O',
  '\u0420': 'P',
  '\u0421': 'C',
  '\u0422': 'T',
  '\u0425': 'X',
  '\u0405': 'S',
  '\u0406': 'I',
  '\u0408': 'J',
  '\u0430': 'a',
  '\u0435': 'e',
  '\u043E': 'o',
  '\u0440': 'p',
  '\u0441': 'c',
  '\u0445': 'x',
  '\u0443': 'y',
  '\u0455': 's',
  '\u0456': 'i',
  '\u0458': 'j',
  // Greek capitals drawn like Latin ones
  '\u0391': 'A',
  '\u0392': 'B',
  '\u0395': 'E',
  '\u0396': 'Z',
  '\u0397': 'H',
  '\u0399': 'I',
  '\u039A': 'K',
  '\u039C': 'M',
  '\u039D': 'N',
  '\u039F': 'O',
  '\u03A1': 'P',
  '\u03A4': 'T',
  '\u03A5': 'Y',
  '\u03A7': 'X',
  '\u03BF': 'o',
};

const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

export interface NormalizedMpn {
  mpn: string;
  /** One entry per distinct replaced character, e.g. `U+2212 as '-'`; empty when nothing changed. */
  replaced: string[];
}

/**
 * Replaces look-alike characters (dashes, minus signs, full-width forms, invisible characters,
 * Cyrillic and Greek letters drawn like Latin ones) by the ASCII character they imitate, and
 * collapses runs of white space.
 */
export function normalizeMpn(input: string): NormalizedMpn {
  const replaced = new Map<string, string>();
  let mpn = '';
  for (const c of input) {
    const ascii = LOOK_ALIKES[c] ?? (c.charCodeAt(0) < 0x80 ? c : c.normalize('NFKC'));
    if (ascii !== c && !replaced.has(c))
      replaced.set(c, ascii === '' ? `${hex(c)} removed` : `${hex(c)} as '${ascii}'`);
    mpn += ascii;
  }
  return { mpn: mpn.replace(/\s+/g, ' ').trim(), replaced: [...replaced.values()] };
}
