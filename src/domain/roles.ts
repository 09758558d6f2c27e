/** Roles, from least to most privileged. Each role may do everything the ones before it may. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAllows(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

/** Who did something: recorded on ledger entries, history and events. */
export interface Actor {
  /** Human-readable, e.g. `token:ci-station-3` or `slack:U024BE7LH`. */
  name: string;
  role: Role;
}

/** The actor used by migrations, seeders and the system itself. */
export const SYSTEM_ACTOR: Actor = { name: 'system', role: 'admin' };
