import * as tokens from '../../commands/tokens.ts';
import { route } from '../route.ts';
import { NewTokenOut, TokenOut, pageOf } from '../schemas.ts';

const tag = 'API tokens';
export const tokenRoutes = [
  route({ method: 'get', path: '/tokens', tag, command: tokens.listTokens, response: pageOf(TokenOut) }),
  route({
    method: 'post',
    path: '/tokens',
    tag,
    command: tokens.createToken,
    status: 201,
    response: NewTokenOut,
  }),
  route({ method: 'delete', path: '/tokens/{id}', tag, command: tokens.revokeToken, response: TokenOut }),
];
