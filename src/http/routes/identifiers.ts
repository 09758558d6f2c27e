import { z } from 'zod';
import * as identifiers from '../../commands/identifiers.ts';
import { route } from '../route.ts';
import { IdentifierOut } from '../schemas.ts';

const tag = 'Lots';
export const identifierRoutes = [
  route({
    method: 'get',
    path: '/lots/{code}/identifiers',
    tag,
    command: identifiers.listIdentifiers,
    response: z.object({ items: z.array(IdentifierOut) }),
  }),
  route({
    method: 'post',
    path: '/lots/{code}/identifiers',
    tag,
    command: identifiers.addIdentifier,
    status: 201,
    found: {
      when: (result) => !result.created,
      description: 'The device already had this identifier; nothing changed',
    },
    response: IdentifierOut,
    present: (result) => result.identifier,
    description:
      'The value is checked and kept normalized by its kind (a MAC address as `AA:BB:CC:DD:EE:FF` …); a bad one is refused with 400 naming `value`. An identifier another device has is refused with 409 naming that device (`device`, `serialLabel`). Only devices (lots with a serial) take identifiers (422 otherwise). Recorded on the device’s history as `identified`.',
  }),
  route({
    method: 'delete',
    path: '/lots/{code}/identifiers/{kind}/{value}',
    tag,
    command: identifiers.removeIdentifier,
    status: 204,
    description:
      'The value may be written in any form its kind accepts (`aa-bb-cc-dd-ee-ff` removes `AA:BB:CC:DD:EE:FF`). Recorded on the device’s history as `identified`, with the reason.',
  }),
];
