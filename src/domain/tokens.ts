/** API tokens: how programs authenticate. The secret itself is never kept, only its hash. */
import type { Role } from './roles.ts';

export interface ApiToken {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}
