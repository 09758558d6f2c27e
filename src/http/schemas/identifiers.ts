import { z } from 'zod';
import type { LotIdentifier } from '../../domain/identifiers.ts';
import { SEARCH_ITEM_KINDS, SEARCH_MATCHES, type SearchItem } from '../../domain/search.ts';
import { code, timestamp, type Assert, type SameKeys } from './common.ts';

export const IdentifierOut = z
  .object({
    kind: z.string().describe('`mac`, `ble`, `imei`, `iccid` or another slug (`asset_tag` …)'),
    value: z
      .string()
      .describe('as normalized: `AA:BB:CC:DD:EE:FF`, the IMEI’s 15 digits, other kinds trimmed'),
    lotCode: code.describe('the device'),
    serialLabel: z.string().nullable().describe("the device's formatted serial, when it has one"),
    createdAt: timestamp,
    createdBy: z.string(),
  })
  .meta({ id: 'Identifier' });

type _IdentifierKeys = Assert<SameKeys<z.output<typeof IdentifierOut>, LotIdentifier, 'id' | 'lotId'>>;

export const SearchItemOut = z
  .object({
    kind: z.enum(SEARCH_ITEM_KINDS).describe('a `device` is a lot with a serial'),
    code,
    title: z.string(),
    subtitle: z.string().nullable(),
    matched: z.enum(SEARCH_MATCHES).describe('what it was found by'),
    matchedValue: z.string().describe('the value that matched, as stored'),
  })
  .meta({ id: 'SearchItem' });

type _SearchItemKeys = Assert<SameKeys<z.output<typeof SearchItemOut>, SearchItem>>;

export const SearchResultOut = z.object({ items: z.array(SearchItemOut) }).meta({ id: 'SearchResult' });
