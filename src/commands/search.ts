/**
 * Search: one box for whatever is at hand — an ID code, the formatted serial on a label, an external
 * identifier, an MPN, a supplier order, a date code or a name. Exact matches (code, serial,
 * identifier) come first, then the rest (`domain/search.ts`).
 */
import { z } from 'zod';
import { parseIdCode } from '../domain/id-code.ts';
import { identifierLookups } from '../domain/identifiers.ts';
import { rankSearchItems, type SearchItem, type SearchMatch } from '../domain/search.ts';
import type { CodeTarget } from '../domain/types.ts';
import { defineCommand } from './define.ts';
import type { LotHit, Repositories } from './ports.ts';
import { text } from './validation.ts';

/** A lot as a search item: a device by its part and serial, another lot by its part and quantity. */
function lotItem({ lot, partName }: LotHit, matched: SearchMatch, matchedValue: string): SearchItem {
  const device = lot.serial !== null;
  const details: (string | null)[] = device
    ? [`serial ${lot.serial} of build ${lot.buildCode ?? '?'}`, lot.status]
    : [
        lot.status,
        lot.supplier,
        lot.supplierOrder && `order ${lot.supplierOrder}`,
        lot.dateCode && `DC ${lot.dateCode}`,
      ];
  return {
    kind: device ? 'device' : 'lot',
    code: lot.code,
    title: device ? `${partName} ${lot.serialLabel ?? `#${lot.serial}`}` : `${partName} × ${lot.quantity}`,
    subtitle: details.filter(Boolean).join(' · ') || null,
    matched,
    matchedValue,
  };
}

async function byCode(repos: Repositories, q: string): Promise<SearchItem[]> {
  const parsed = parseIdCode(q);
  if (!parsed.ok) return [];
  const target: CodeTarget | null = await repos.codes.resolve(parsed.code);
  if (!target) return [];
  if (target.kind === 'lot') {
    const [hit] = await repos.search.lots({ codes: [target.code] }, 1);
    return hit ? [lotItem(hit, 'code', target.code)] : [];
  }
  return [
    {
      kind: target.kind,
      code: target.code,
      title: target.label,
      subtitle: null,
      matched: 'code',
      matchedValue: target.code,
    },
  ];
}

async function byIdentifier(repos: Repositories, q: string, limit: number): Promise<SearchItem[]> {
  const identifiers = await repos.identifiers.search(identifierLookups(q), limit);
  if (identifiers.length === 0) return [];
  const lots = new Map<number, LotHit>(
    (await repos.search.lots({ ids: identifiers.map((i) => i.lotId) }, limit)).map((h) => [h.lot.id, h]),
  );
  return identifiers.flatMap((i) => {
    const hit = lots.get(i.lotId);
    return hit ? [lotItem(hit, 'identifier', i.value)] : [];
  });
}

export const search = defineCommand({
  name: 'search',
  summary:
    'Find lots, devices, builds, parts, projects and locations by ID code, formatted serial, external identifier, MPN, supplier order, date code or name',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: z.strictObject({
    q: text(200).describe(
      'what to look for: an ID code, a formatted serial, an identifier (MAC, IMEI …), the start of an MPN, a supplier order, a date code or part of a name',
    ),
    limit: z.coerce.number().int().min(1).max(50).default(20),
  }),
  async run({ repos }, { q, limit }): Promise<{ items: SearchItem[] }> {
    const serials = async () =>
      (await repos.search.lots({ serialLabel: q }, limit)).map((h) =>
        lotItem(h, 'serial', h.lot.serialLabel!),
      );
    const exact = [
      ...(await byCode(repos, q)),
      ...(await serials()),
      ...(await byIdentifier(repos, q, limit)),
    ];
    const parts = (await repos.search.partsByMpnPrefix(q, limit)).map<SearchItem>((p) => ({
      kind: 'part',
      code: p.code,
      title: p.name,
      subtitle: p.manufacturer,
      matched: 'mpn',
      matchedValue: p.mpn!,
    }));
    const orders = (await repos.search.lotsBySupplierOrder(q, limit)).map((h) =>
      lotItem(h, 'supplier_order', h.lot.supplierOrder!),
    );
    const dateCodes = (await repos.search.lotsByDateCode(q, limit)).map((h) =>
      lotItem(h, 'date_code', h.lot.dateCode!),
    );
    const names = (await repos.search.byName(q, limit)).map<SearchItem>((n) => ({
      kind: n.kind,
      code: n.code,
      title: n.name,
      subtitle: n.detail,
      matched: 'name',
      matchedValue: n.name,
    }));
    return { items: rankSearchItems([...exact, ...parts, ...orders, ...dateCodes, ...names], limit) };
  },
});
