import { search } from '../../commands/search.ts';
import { route } from '../route.ts';
import { SearchResultOut } from '../schemas.ts';

export const searchRoutes = [
  route({
    method: 'get',
    path: '/search',
    tag: 'Search',
    command: search,
    response: SearchResultOut,
    description:
      'Exact matches first — an ID code (any case, hyphens and O/0, I/L/1 confusions accepted), a formatted serial, an external identifier (a MAC-shaped text is looked up as a MAC or Bluetooth address, 15 digits as an IMEI, anything as typed among all kinds) — then parts whose MPN starts with the text, lots by supplier order (any case) and by date code (exactly), and parts, projects and locations whose name contains it (`%` and `_` are taken literally). Each thing is listed once, by its best match.',
  }),
];
