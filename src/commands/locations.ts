import { z } from 'zod';
import { defineCommand } from './define.ts';
import { findOrFail } from './lookup.ts';
import { idCodeRef, name, optionalText, pageQuery } from './validation.ts';

export const createLocation = defineCommand({
  name: 'createLocation',
  summary: 'Create a storage location',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ name, description: optionalText() }),
  async run({ repos }, input) {
    const [code] = await repos.idCodes.allocate(1);
    return repos.locations.insert({ ...input, code: code! });
  },
});

export const updateLocation = defineCommand({
  name: 'updateLocation',
  summary: 'Rename a location or change its description',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef, name: name.optional(), description: optionalText() }),
  async run({ repos }, { code, ...patch }) {
    const location = await findOrFail('location', 'code', code, (c) => repos.locations.findByCode(c));
    return repos.locations.update(location.id, patch);
  },
});

export const deleteLocation = defineCommand({
  name: 'deleteLocation',
  summary: 'Delete a location that holds no lots',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({ code: idCodeRef }),
  async run({ repos }, { code }) {
    const location = await findOrFail('location', 'code', code, (c) => repos.locations.findByCode(c));
    await repos.locations.delete(location.id);
  },
});

export const getLocation = defineCommand({
  name: 'getLocation',
  summary: 'Show a location',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ code: idCodeRef }),
  run: ({ repos }, { code }) => findOrFail('location', 'code', code, (c) => repos.locations.findByCode(c)),
});

export const listLocations = defineCommand({
  name: 'listLocations',
  summary: 'List locations',
  role: 'viewer',
  mode: 'read',
  reads: 'replica',
  input: pageQuery,
  run: ({ repos }, page) => repos.locations.list(page),
});
