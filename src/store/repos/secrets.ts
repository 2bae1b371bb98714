import type { Db } from '../db.ts';
import { plainSealer, type Sealer } from '../sealer.ts';
import { executor } from '../transaction.ts';

/**
 * Named server secrets (random, made on first use, shared by every instance on the database).
 * Every value goes through `sealer` on its way in and out, so with SECRETS_KEY set they are
 * encrypted at rest whoever asks for them.
 */
export function createSecretsRepo(root: Db, sealer: Sealer = plainSealer) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  const aad = (name: string) => `server_secrets:${name}`;
  return {
    /**
     * The secret called `name`, created from `make()` if there is none yet. Race-safe: of
     * instances creating it at once, one insert wins and everyone reads the winner's value.
     */
    async getOrCreate(name: string, make: () => string, at: Date): Promise<string> {
      const found = await db().selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
      if (found) return sealer.open(found.value, aad(name));
      await db()
        .insertInto('server_secrets')
        .values({ name, value: sealer.seal(make(), aad(name)), created_at: at })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const row = await db()
        .selectFrom('server_secrets')
        .select('value')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      return sealer.open(row.value, aad(name));
    },
    /**
     * Opens every stored secret (so a wrong or missing SECRETS_KEY stops the start) and writes
     * again those stored in plain or under the previous key; answers how many were rewritten.
     */
    async reseal(): Promise<number> {
      const rows = await db().selectFrom('server_secrets').select(['name', 'value']).execute();
      let n = 0;
      for (const r of rows) {
        const plain = sealer.open(r.value, aad(r.name));
        if (!sealer.needsReseal(r.value)) continue;
        await db()
          .updateTable('server_secrets')
          .set({ value: sealer.seal(plain, aad(r.name)) })
          .where('name', '=', r.name)
          .where('value', '=', r.value)
          .execute();
        n++;
      }
      return n;
    },

    /** The secret called `name`, if it exists. */
    async find(name: string): Promise<string | undefined> {
      const r = await db().selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
      return r === undefined ? undefined : sealer.open(r.value, aad(name));
    },
  };
}
export type SecretsRepo = ReturnType<typeof createSecretsRepo>;
