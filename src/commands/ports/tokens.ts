import type { Page, PageRequest } from '../../domain/page.ts';
import type { Role } from '../../domain/roles.ts';
import type { ApiToken } from '../../domain/tokens.ts';

export interface TokenRepository {
  insert(token: { name: string; role: Role; hash: string; prefix: string }): Promise<ApiToken>;
  /** The active (not revoked) token with this hash; marks it used. */
  findActiveByHash(hash: string): Promise<ApiToken | null>;
  list(page: PageRequest): Promise<Page<ApiToken>>;
  revoke(id: number): Promise<ApiToken | null>;
}
