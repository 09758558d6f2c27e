/**
 * Migrations: knex, one change per file in `migrations/`, loaded by a source that imports them
 * directly: the TypeScript files under tsx and vitest, their compiled twins in `dist/migrations/`
 * when the app runs compiled. Either way a migration is named by its `.ts` file, the name
 * `knex_migrations` has always recorded.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Knex } from 'knex';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
/** `.js` when this module runs compiled (dist/), `.ts` from the sources. */
const EXTENSION = import.meta.url.endsWith('.js') ? '.js' : '.ts';

class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return (await readdir(MIGRATIONS_DIR))
      .filter((f) => /^\d{14}_\w+\.[jt]s$/.test(f) && f.endsWith(EXTENSION))
      .sort();
  }
  getMigrationName(migration: string): string {
    return migration.replace(/\.js$/, '.ts');
  }
  async getMigration(migration: string): Promise<Knex.Migration> {
    return (await import(pathToFileURL(join(MIGRATIONS_DIR, migration)).href)) as Knex.Migration;
  }
}

const config = (): Knex.MigratorConfig => ({ migrationSource: new DirectoryMigrationSource() });

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(config())) as [number, string[]];
  return applied;
}

export async function migrateRollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback(config(), true);
}

export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = (await db.migrate.list(config())) as [unknown[], { file: string }[]];
  return pending.map((p) => p.file);
}
