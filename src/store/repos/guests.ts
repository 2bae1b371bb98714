import { sql } from 'kysely';
import type { Db } from '../db.ts';
import { executor } from '../transaction.ts';
import { batched } from '../batch.ts';

/**
 * What the database knows of guest chains: nothing until a guest comes back. A chain gets a row
 * when its refresh token is first spent or when it is revoked; every spent refresh token is
 * recorded (unique per chain), which is what makes a guest refresh single use across instances.
 */
interface GuestSpend {
  chainId: string;
  tenantId: number;
  tokenId: string;
  now: Date;
  endsAt: Date;
}

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

  // Spends of concurrent refreshes share one statement (store/batch.ts), the rows as one JSON
  // parameter: on PostgreSQL a statement of its own per refresh was a round trip and a commit each.
  // Two spends of one chain in a batch would make the upsert touch its row twice, which PostgreSQL
  // refuses: such a batch fails as a whole and batched() runs every spend alone, each for itself.
  const spend = batched(async (items: readonly GuestSpend[]) => {
    if (new Set(items.map((i) => i.chainId)).size !== items.length) throw new Error('one chain twice in a batch');
    const rows = JSON.stringify(
      items.map((i, n) => ({
        caller: n,
        chain_id: i.chainId,
        tenant_id: i.tenantId,
        token_id: i.tokenId,
        spent_at: i.now.toISOString(),
        ends_at: i.endsAt.toISOString(),
      })),
    );
    const { rows: spent } = await sql<{ caller: number }>`
      with j as (
        select * from json_to_recordset(${rows}::json) as x(
          caller integer, chain_id text, tenant_id integer, token_id text, spent_at timestamptz, ends_at timestamptz)),
      c as (
        insert into guest_chains (id, tenant_id, ends_at) select chain_id, tenant_id, ends_at from j
        on conflict (id) do update set ends_at = greatest(guest_chains.ends_at, excluded.ends_at)
        where guest_chains.revoked_at is null
        returning id),
      t as (
        insert into guest_spent_tokens (chain_id, token_id, spent_at)
        select j.chain_id, j.token_id, j.spent_at from j join c on c.id = j.chain_id
        on conflict do nothing
        returning chain_id)
      select j.caller from j join t on t.chain_id = j.chain_id`.execute(db());
    const won = new Set(spent.map((r) => r.caller));
    return items.map((_, n) => won.has(n));
  });

  return {
    /** True when the chain was revoked. */
    isRevoked(chainId: string): Promise<boolean> {
      return revoked(chainId);
    },

    /**
     * Spends a guest refresh token: records the chain (raising its end to `endsAt`) unless it is
     * revoked, and the token id unless it was spent already. True for exactly one of concurrent
     * callers; false (nothing spent) when revoked or already spent.
     */
    spend(s: GuestSpend): Promise<boolean> {
      return spend(s);
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
