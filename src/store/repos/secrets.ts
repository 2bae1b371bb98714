import type { Db } from '../db.ts';
import { executor } from '../transaction.ts';

/** Named server secrets (random, made on first use, shared by every instance on the database). */
export function createSecretsRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  return {
    /**
     * The secret called `name`, created from `make()` if there is none yet. Race-safe: of
     * instances creating it at once, one insert wins and everyone reads the winner's value.
     */
    async getOrCreate(name: string, make: () => string, at: Date): Promise<string> {
      const found = await db().selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
      if (found) return found.value;
      await db()
        .insertInto('server_secrets')
        .values({ name, value: make(), created_at: at })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const row = await db()
        .selectFrom('server_secrets')
        .select('value')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      return row.value;
    },

    /** The secret called `name`, if it exists. */
    async find(name: string): Promise<string | undefined> {
      const r = await db().selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
      return r?.value;
    },
  };
}
export type SecretsRepo = ReturnType<typeof createSecretsRepo>;
