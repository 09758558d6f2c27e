import * as locations from '../../commands/locations.ts';
import { route } from '../route.ts';
import { LocationOut, pageOf } from '../schemas.ts';

const tag = 'Locations';
export const locationRoutes = [
  route({
    method: 'get',
    path: '/locations',
    tag,
    command: locations.listLocations,
    response: pageOf(LocationOut),
  }),
  route({
    method: 'post',
    path: '/locations',
    tag,
    command: locations.createLocation,
    status: 201,
    response: LocationOut,
  }),
  route({
    method: 'get',
    path: '/locations/{code}',
    tag,
    command: locations.getLocation,
    response: LocationOut,
    versioned: 'locations',
  }),
  route({
    method: 'patch',
    path: '/locations/{code}',
    tag,
    command: locations.updateLocation,
    response: LocationOut,
  }),
  route({ method: 'delete', path: '/locations/{code}', tag, command: locations.deleteLocation, status: 204 }),
];
