import { sql } from 'kysely';
import type { Db } from '../db.ts';
import { executor } from '../transaction.ts';
import { batched } from '../batch.ts';

/**
 * What the database knows of guest chains: nothing until a guest comes back. A chain gets a row
 * when its refresh token is first spent or when it is revoked; every spent refresh token is
 * recorded (unique per chain), which is what makes a guest refresh single use across instances.
 */
export function createGuestsRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  // On every guest request: one indexed read (batched, like the shopper's session read).
  const revoked = batched(async (ids: readonly string[]) => {
    const rows = await db()
      .selectFrom('guest_chains')
      .select('id')
      .where('id', 'in', [...new Set(ids)])
      .where('revoked_at', 'is not', null)
      .execute();
    const set = new Set(rows.map((r) => r.id));
    return ids.map((id) => set.has(id));
  });

  return {
    /** True when the chain was revoked. */
    isRevoked(chainId: string): Promise<boolean> {
      return revoked(chainId);
    },

    /**
     * Spends a guest refresh token in one statement: records the chain (raising its end to
     * `endsAt`) unless it is revoked, and the token id unless it was spent already. True for
     * exactly one of concurrent callers; false (nothing spent) when revoked or already spent.
     */
    async spend(s: { chainId: string; tenantId: number; tokenId: string; now: Date; endsAt: Date }): Promise<boolean> {
      const { rows } = await sql<{ token_id: string }>`
        with c as (
          insert into guest_chains (id, tenant_id, ends_at) values (${s.chainId}, ${s.tenantId}, ${s.endsAt})
          on conflict (id) do update set ends_at = greatest(guest_chains.ends_at, excluded.ends_at)
          where guest_chains.revoked_at is null
          returning id)
        insert into guest_spent_tokens (chain_id, token_id, spent_at)
        select id, ${s.tokenId}, ${s.now} from c
        on conflict do nothing
        returning token_id`.execute(db());
      return rows.length === 1;
    },

    /** True when the token was spent already (and its chain is still known). */
    async wasSpent(chainId: string, tokenId: string): Promise<boolean> {
      const r = await db()
        .selectFrom('guest_spent_tokens')
        .select('token_id')
        .where('chain_id', '=', chainId)
        .where('token_id', '=', tokenId)
        .executeTakeFirst();
      return r !== undefined;
    },

    /** Revokes a chain, kept known until `endsAt` (when every token it issued has expired). */
    async revoke(r: { chainId: string; tenantId: number; reason: string; at: Date; endsAt: Date }): Promise<void> {
      await db()
        .insertInto('guest_chains')
        .values({ id: r.chainId, tenant_id: r.tenantId, ends_at: r.endsAt, revoked_at: r.at, revoke_reason: r.reason })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            ends_at: sql`greatest(guest_chains.ends_at, excluded.ends_at)`,
            revoked_at: eb.fn.coalesce('guest_chains.revoked_at', 'excluded.revoked_at'),
            revoke_reason: eb.fn.coalesce('guest_chains.revoke_reason', 'excluded.revoke_reason'),
          })),
        )
        .execute();
    },
  };
}
export type GuestsRepo = ReturnType<typeof createGuestsRepo>;
