import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m0001 from './migrations/0001_init.ts';
import * as m0002 from './migrations/0002_codes_devices.ts';
import * as m0003 from './migrations/0003_password_resets.ts';
import * as m0004 from './migrations/0004_lean_tokens.ts';
import * as m0005 from './migrations/0005_impersonation_end.ts';
import * as m0006 from './migrations/0006_contacts_challenges.ts';
import * as m0007 from './migrations/0007_lifecycle.ts';
import * as m0009 from './migrations/0009_key_rotation.ts';
import * as m0010 from './migrations/0010_operators_console.ts';
import * as m0011 from './migrations/0011_pending_guest_link.ts';

/** Every migration, in order. Append only: a landed migration is never edited. */
const migrations: Record<string, Migration> = {
  '0001_init': m0001,
  '0002_codes_devices': m0002,
  '0003_password_resets': m0003,
  '0004_lean_tokens': m0004,
  '0005_impersonation_end': m0005,
  '0006_contacts_challenges': m0006,
  '0007_lifecycle': m0007,
  '0009_key_rotation': m0009,
  '0010_operators_console': m0010,
  '0011_pending_guest_link': m0011,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** The database has migrations this code does not know: an older build must not touch it. */
export class SchemaTooNewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Brings the schema up to date. Kysely's Postgres adapter takes a transaction-scoped advisory lock,
 * so two instances starting at once run each migration exactly once.
 * @throws SchemaTooNewError when the database has migrations this code does not know
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  await refuseNewerSchema(db);
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function refuseNewerSchema(db: Kysely<any>): Promise<void> {
  const exists = await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db);
  if (!exists.rows[0]?.t) return;
  const applied = await db.selectFrom('kysely_migration').select('name').execute();
  const unknown = applied.map((r: { name: string }) => r.name).filter((n: string) => !(n in migrations));
  if (unknown.length > 0) {
    throw new SchemaTooNewError(
      `The database schema is newer than this code (unknown migrations: ${unknown.join(', ')}); upgrade the service.`,
    );
  }
}

/** Which migrations the database has and which it still needs (`migrate --check`); nothing is changed. */
export async function migrationStatus(db: Kysely<any>): Promise<{ applied: string[]; pending: string[] }> {
  await refuseNewerSchema(db);
  const all = await new Migrator({ db, provider }).getMigrations();
  return {
    applied: all.filter((m) => m.executedAt).map((m) => m.name),
    pending: all.filter((m) => !m.executedAt).map((m) => m.name),
  };
}
