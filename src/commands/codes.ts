import { z } from 'zod';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { typoCandidates } from '../domain/id-code-typos.ts';
import { parseIdCode } from '../domain/id-code.ts';
import type { CodeTarget } from '../domain/types.ts';
import { defineCommand } from './define.ts';
import { sharedSerial } from './lookup.ts';
import { idCodeRef } from './validation.ts';

export const resolveCode = defineCommand({
  name: 'resolveCode',
  summary:
    "Resolve any ID code (part, location, lot, project or build) to its object, or a device's formatted serial to the device",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({
    code: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .describe("an ID code, or a device's formatted serial as printed on its label (any case)"),
  }),
  async run({ repos }, input) {
    const parsed = parseIdCode(input.code);
    if (parsed.ok) {
      const target = await repos.codes.resolve(parsed.code);
      if (target) return target;
    }
    // The device; a formatted serial two parts share is refused naming the devices.
    const devices = await repos.lots.findBySerialLabel(input.code);
    if (devices.length > 1) throw sharedSerial('code', input.code, devices);
    if (devices.length === 1) return (await repos.codes.resolve(devices[0]!.code))!;
    if (!parsed.ok)
      throw ValidationError.field(
        'code',
        `'${input.code}' is neither a valid ID code (${parsed.message}) nor the formatted serial of a device`,
      );
    throw new NotFoundError('object', parsed.code, `no object has the ID code ${parsed.code}`, 'code');
  },
});

export const suggestCodes = defineCommand({
  name: 'suggestCodes',
  summary:
    'What a mistyped ID code probably meant: the objects whose codes are one substitution, swap, missing or extra character away',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }) {
    const items: CodeTarget[] = [];
    for (const candidate of typoCandidates(code)) {
      const target = await repos.codes.resolve(candidate);
      if (target) items.push(target);
    }
    return { items };
  },
});
