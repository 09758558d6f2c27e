import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError } from '../domain/errors.ts';
import { ROLES } from '../domain/roles.ts';
import { defineCommand } from './define.ts';
import { name, pageQuery, numericId } from './validation.ts';

const TOKEN_PREFIX = 'bt_';

/** Tokens are stored as SHA-256 hashes: they are long random secrets, so no slow hash is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const createToken = defineCommand({
  name: 'createToken',
  summary: 'Create an API token with a role; the secret is shown once',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ name, role: z.enum(ROLES) }),
  async run({ repos }, { name: tokenName, role }) {
    const secret = TOKEN_PREFIX + randomBytes(24).toString('base64url');
    const token = await repos.tokens.insert({
      name: tokenName,
      role,
      hash: hashToken(secret),
      prefix: secret.slice(0, 8),
    });
    return { ...token, token: secret };
  },
});

export const listTokens = defineCommand({
  name: 'listTokens',
  summary: 'List API tokens (never their secrets)',
  role: 'admin',
  mode: 'read',
  input: pageQuery,
  run: ({ repos }, page) => repos.tokens.list(page),
});

export const revokeToken = defineCommand({
  name: 'revokeToken',
  summary: 'Revoke an API token',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id: numericId }),
  async run({ repos }, { id }) {
    const token = await repos.tokens.revoke(id);
    if (!token) throw new NotFoundError('token', String(id), undefined, 'id');
    // Scan stations signed in with it are signed out with it.
    await repos.sessions.revokeForToken(id);
    return token;
  },
});
