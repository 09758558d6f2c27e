/** Server settings buildtrace relies on but cannot set itself, checked when a process starts. */
import type { Knex } from 'knex';

/**
 * What to tell an operator when PostgreSQL's autovacuum is off, or undefined when it is on.
 * PostgreSQL keeps each connection's plan of a statement — the foreign-key checks' included — until
 * an ANALYZE of its tables (or a change to them) invalidates it; autovacuum analyzes a table that
 * grew. Without it, statements planned while `lots` was small keep scanning it once it is large:
 * bench/builds.ts's 100,000-unit build took 715 s on a server with autovacuum off, 4 s with ANALYZE.
 */
export async function autovacuumWarning(db: Knex): Promise<string | undefined> {
  const rows = (
    await db.raw<{ rows: { setting: string }[] }>(`SELECT setting FROM pg_settings WHERE name = 'autovacuum'`)
  ).rows;
  if (rows[0]?.setting !== 'off') return undefined;
  return (
    "PostgreSQL's autovacuum is off: statements planned while a table was small (foreign-key checks " +
    'included) keep their plans as it grows, and builds slow down as lots grows. Turn autovacuum on, ' +
    'or run ANALYZE after large builds and imports.'
  );
}
