import type { Selectable } from 'kysely';
import type { Db } from '../db.ts';
import type { ConsoleSessionsTable } from '../schema.ts';

export type ConsoleSessionRow = Selectable<ConsoleSessionsTable>;

/** Console sessions, by SHA-256 of their cookie value (migration 0010). */
export function createConsoleSessionsRepo(db: Db) {
  return {
    async insert(s: ConsoleSessionRow): Promise<void> {
      await db.insertInto('console_sessions').values(s).execute();
    },

    /** The session and its operator's current state, when both exist. */
    find: (idHash: string) =>
      db
        .selectFrom('console_sessions as s')
        .innerJoin('operators as o', 'o.id', 's.operator_id')
        .select([
          's.id_hash',
          's.operator_id',
          's.stage',
          's.created_at',
          's.last_seen_at',
          's.expires_at',
          'o.email',
          'o.role',
          'o.tenant_id',
          'o.disabled',
        ])
        .where('s.id_hash', '=', idHash)
        .executeTakeFirst(),

    async touch(idHash: string, at: Date): Promise<void> {
      await db.updateTable('console_sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).execute();
    },

    async delete(idHash: string): Promise<void> {
      await db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
    },

    /** Ends every console session of an operator (disabled, or a new password). */
    async deleteForOperator(operatorId: number): Promise<void> {
      await db.deleteFrom('console_sessions').where('operator_id', '=', operatorId).execute();
    },
  };
}
export type ConsoleSessionsRepo = ReturnType<typeof createConsoleSessionsRepo>;
