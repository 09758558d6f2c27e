import { z } from 'zod';
import { normalizeGtin } from '../domain/gs1.ts';
import { PART_KINDS } from '../domain/types.ts';
import { defineCommand } from './define.ts';
import { findOrFail } from './lookup.ts';
import { fields, gtinInput, idCodeRef, name, optionalText, pageQuery, text } from './validation.ts';

const partBody = {
  name,
  kind: z.enum(PART_KINDS).default('component'),
  description: optionalText(),
  manufacturer: optionalText(200),
  mpn: optionalText(200),
  value: optionalText(200),
  footprint: optionalText(200),
  gtin: gtinInput,
  fields: fields.optional(),
};

/** The GTIN as kept (GTIN-14); absent and null pass through. */
const gtin14 = (gtin: string | null | undefined) => (gtin ? normalizeGtin(gtin) : gtin);

export const createPart = defineCommand({
  name: 'createPart',
  summary: 'Create a part (a purchased component or a sub-assembly)',
  role: 'operator',
  mode: 'write',
  input: z.strictObject(partBody),
  async run({ repos }, input) {
    const [code] = await repos.idCodes.allocate(1);
    return repos.parts.insert({ ...input, gtin: gtin14(input.gtin), code: code! });
  },
});

export const updatePart = defineCommand({
  name: 'updatePart',
  summary: "Change a part's name, description, GTIN or data",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: idCodeRef,
    name: name.optional(),
    kind: z.enum(PART_KINDS).optional(),
    description: optionalText(),
    manufacturer: optionalText(200),
    mpn: optionalText(200),
    value: optionalText(200),
    footprint: optionalText(200),
    gtin: gtinInput,
    fields: fields.optional(),
  }),
  async run({ repos }, { code, ...patch }) {
    const part = await findOrFail('part', 'code', code, (c) => repos.parts.findByCode(c));
    return repos.parts.update(part.id, { ...patch, gtin: gtin14(patch.gtin) });
  },
});

export const deletePart = defineCommand({
  name: 'deletePart',
  summary: 'Delete a part that no lot, project or BOM line refers to',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }) {
    const part = await findOrFail('part', 'code', code, (c) => repos.parts.findByCode(c));
    await repos.parts.delete(part.id);
  },
});

export const getPart = defineCommand({
  name: 'getPart',
  summary: 'Show a part',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  run: ({ repos }, { code }) => findOrFail('part', 'code', code, (c) => repos.parts.findByCode(c)),
});

export const listParts = defineCommand({
  name: 'listParts',
  summary: 'List parts, optionally by kind or a search text (name, MPN, value)',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: pageQuery.extend({
    kind: z.enum(PART_KINDS).optional(),
    search: text(200).optional(),
  }),
  run: ({ repos }, { limit, cursor, kind, search }) => repos.parts.list({ kind, search }, { limit, cursor }),
});
