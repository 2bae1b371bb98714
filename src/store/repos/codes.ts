import { sql, type Selectable } from 'kysely';
import type { Db } from '../db.ts';
import { executor, transaction } from '../transaction.ts';
import type { VerificationCodesTable } from '../schema.ts';
import { accountIn, type AccountScope } from './accounts.ts';

export type CodeRow = Selectable<VerificationCodesTable>;

export interface NewCode {
  id: string;
  tenantId: number;
  /** the account's customer set: with the tenant, the scope the account is looked for in */
  customerSet: string;
  accountId: number;
  purpose: string;
  codeHash: string;
  challengeHash: string | null;
  createdAt: Date;
  expiresAt: Date;
  siteId: number;
  clientId: string;
  accessMinutes: number | null;
  refreshMinutes: number | null;
  fingerprintHash: string | null;
  region: string | null;
  /** the guest the pending login links when it completes */
  previousAnonymousId?: string | null;
}

/**
 * The rows of the account `accountId` in `scope`: every statement that picks an account's codes by
 * its id names the tenant (a column of the row) and the customer set (through the account, as
 * devices and resets do), so an id from another tenant or customer set reaches nothing.
 */
function ofAccount(db: Db, scope: AccountScope, accountId: number) {
  return db
    .selectFrom('verification_codes')
    .where('tenant_id', '=', scope.tenantId)
    .where('account_id', 'in', accountIn(db, scope, accountId));
}

/**
 * Kills every older live code of the account and purpose (and its challenge tokens), stores `c`;
 * writes nothing for an account outside `c`'s tenant and customer set (as resets.replace).
 */
async function replaceIn(trx: Db, c: NewCode): Promise<void> {
  const scope = { tenantId: c.tenantId, customerSet: c.customerSet };
  await trx
    .updateTable('verification_codes')
    .set({ consumed_at: c.createdAt, challenge_hash: null })
    .where('tenant_id', '=', c.tenantId)
    .where('account_id', 'in', accountIn(trx, scope, c.accountId))
    .where('purpose', '=', c.purpose)
    .where('consumed_at', 'is', null)
    .execute();
  await trx
    .insertInto('verification_codes')
    .columns([
      'account_id',
      'id',
      'tenant_id',
      'purpose',
      'code_hash',
      'challenge_hash',
      'created_at',
      'expires_at',
      'site_id',
      'client_id',
      'access_minutes',
      'refresh_minutes',
      'fingerprint_hash',
      'region',
      'previous_anonymous_id',
    ])
    .expression(
      accountIn(trx, scope, c.accountId).select([
        sql<string>`${c.id}::text`.as('code_id'),
        sql<number>`${c.tenantId}::integer`.as('tenant_id'),
        sql<string>`${c.purpose}::text`.as('purpose'),
        sql<string>`${c.codeHash}::text`.as('code_hash'),
        sql<string | null>`${c.challengeHash}::text`.as('challenge_hash'),
        sql<Date>`${c.createdAt}::timestamptz`.as('created_at'),
        sql<Date>`${c.expiresAt}::timestamptz`.as('expires_at'),
        sql<number>`${c.siteId}::integer`.as('site_id'),
        sql<string>`${c.clientId}::text`.as('client_id'),
        sql<number | null>`${c.accessMinutes}::integer`.as('access_minutes'),
        sql<number | null>`${c.refreshMinutes}::integer`.as('refresh_minutes'),
        sql<string | null>`${c.fingerprintHash}::text`.as('fingerprint_hash'),
        sql<string | null>`${c.region}::text`.as('region'),
        sql<string | null>`${c.previousAnonymousId ?? null}::text`.as('previous_anonymous_id'),
      ]),
    )
    .execute();
}

/** 2FA / OTP codes. Every state change is one conditional statement, safe under concurrency. */
export function createCodesRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  return {
    /**
     * Stores a new code and kills every older live one of the same account and purpose (their
     * challenge tokens die with them), in one transaction.
     */
    async replace(c: NewCode): Promise<void> {
      await transaction(root, () => replaceIn(db(), c));
    },

    /**
     * `replace`, but only when `key` had no send after `cutoff`, and recording this one: the send
     * and the code are committed together, so a login that finds the send blocked also finds its
     * code. Returns false (and writes nothing) when a send after `cutoff` blocks it.
     */
    async claimAndReplace(key: string, cutoff: Date, c: NewCode): Promise<boolean> {
      return transaction(root, async () => {
        const trx = db();
        const won = await trx
          .insertInto('code_sends')
          .values({ key, sent_at: c.createdAt })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({ sent_at: c.createdAt }).where('code_sends.sent_at', '<=', cutoff),
          )
          .returning('key')
          .executeTakeFirst();
        if (!won) return false;
        await replaceIn(trx, c);
        return true;
      });
    },

    /** `replace`, recording a send for `key` whatever the throttle says. */
    async forceReplace(key: string, c: NewCode): Promise<void> {
      await transaction(root, async () => {
        const trx = db();
        await trx
          .insertInto('code_sends')
          .values({ key, sent_at: c.createdAt })
          .onConflict((oc) => oc.column('key').doUpdateSet({ sent_at: c.createdAt }))
          .execute();
        await replaceIn(trx, c);
      });
    },

    /** Another challenge token for a live challenge (a login inside the resend interval). */
    async addChallengeAlias(a: {
      tokenHash: string;
      challengeHash: string;
      tenantId: number;
      accountId: number;
      at: Date;
    }): Promise<void> {
      await db()
        .insertInto('challenge_aliases')
        .values({
          token_hash: a.tokenHash,
          challenge_hash: a.challengeHash,
          tenant_id: a.tenantId,
          account_id: a.accountId,
          created_at: a.at,
        })
        .execute();
    },

    /** Removes a code that was never delivered. */
    async delete(id: string): Promise<void> {
      await db().deleteFrom('verification_codes').where('id', '=', id).execute();
    },

    /** The live row a challenge token belongs to (its own, or the one it is an alias of). */
    async findLiveByChallenge(challengeHash: string, now: Date, maxAttempts: number): Promise<CodeRow | undefined> {
      const alias = db()
        .selectFrom('challenge_aliases')
        .select('challenge_hash')
        .where('token_hash', '=', challengeHash)
        .limit(1);
      return db()
        .selectFrom('verification_codes')
        .selectAll()
        .where((eb) => eb('challenge_hash', '=', eb.fn.coalesce(alias, eb.val(challengeHash))))
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .executeTakeFirst();
    },

    /** The newest live code of the account `accountId` in `scope` for a purpose. */
    async findLive(
      scope: AccountScope,
      accountId: number,
      purpose: string,
      now: Date,
      maxAttempts: number,
    ): Promise<CodeRow | undefined> {
      return ofAccount(db(), scope, accountId)
        .selectAll()
        .where('purpose', '=', purpose)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    /**
     * Spends one try on the account's live code before it is compared, so that parallel guesses
     * can never get more than `maxAttempts` comparisons. Returns the row (with the new count) or
     * undefined when there is no live code.
     */
    async takeAttempt(
      scope: AccountScope,
      accountId: number,
      purpose: string,
      now: Date,
      maxAttempts: number,
    ): Promise<CodeRow | undefined> {
      return db()
        .updateTable('verification_codes')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', () =>
          ofAccount(db(), scope, accountId)
            .select('id')
            .where('purpose', '=', purpose)
            .where('consumed_at', 'is', null)
            .orderBy('created_at', 'desc')
            .limit(1),
        )
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .returningAll()
        .executeTakeFirst();
    },

    /**
     * Single use: retires a code with one conditional update; of concurrent callers exactly one
     * gets the row back.
     */
    async consume(id: string, now: Date): Promise<CodeRow | undefined> {
      return db()
        .updateTable('verification_codes')
        .set({ consumed_at: now })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
    },

    /**
     * Resend throttle: records a send for `key` unless one was recorded after `cutoff`. One
     * statement, so two instances can't both pass. Returns the time of the blocking send, or
     * undefined when this send may go.
     */
    async claimSend(key: string, now: Date, cutoff: Date): Promise<Date | undefined> {
      const won = await db()
        .insertInto('code_sends')
        .values({ key, sent_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ sent_at: now }).where('code_sends.sent_at', '<=', cutoff))
        .returning('key')
        .executeTakeFirst();
      if (won) return undefined;
      const row = await db().selectFrom('code_sends').select('sent_at').where('key', '=', key).executeTakeFirst();
      return row?.sent_at ?? now;
    },

    /** Forgets a send that did not happen (the mail failed), so the caller may retry at once. */
    async releaseSend(key: string, sentAt: Date): Promise<void> {
      await db().deleteFrom('code_sends').where('key', '=', key).where('sent_at', '=', sentAt).execute();
    },
  };
}
export type CodesRepo = ReturnType<typeof createCodesRepo>;
