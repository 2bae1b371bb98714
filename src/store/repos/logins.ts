import { sql } from 'kysely';
import type { Db } from '../db.ts';
import { executor } from '../transaction.ts';
import { batched } from '../batch.ts';
import type { AccountRow, AccountScope } from './accounts.ts';
import type { NewAuthEvent } from './audit.ts';
import { CHAIN_COLUMNS, chainRecord, insertChains, type NewSession, type TokenPair } from './sessions.ts';
import { unlockedAt } from './lockout.ts';

/** Everything a successful login writes, beside the stamp on the account row. */
export interface LoginRows {
  region: string | null;
  session: NewSession;
  tokens: TokenPair;
  /** the keyed hash of the device's fingerprint, made known by the login; null when none was sent */
  deviceHash: string | null;
  event: NewAuthEvent;
}

interface Item extends LoginRows {
  scope: AccountScope;
  accountId: number;
  at: Date;
}

export type LoginWrite = (item: Item) => Promise<AccountRow | undefined>;

/**
 * A successful login's one write statement: it stamps the account (last login, region) only while
 * the account is unlocked at `at` (lockout.ts `unlockedAt`) and active, and only then stores the
 * login's chain, makes its device known and records `login.succeeded`. A lock or deactivation that
 * won the race leaves nothing written. Concurrent logins share the statement (store/batch.ts).
 *
 * Answers the account as it is now, or undefined when it is locked, deactivated or gone.
 */
export function createLoginWrite(root: Db): LoginWrite {
  const db = () => executor(root);
  async function write(items: readonly Item[]): Promise<(AccountRow | undefined)[]> {
    const rows = JSON.stringify(
      items.map((i) => ({
        ...chainRecord(i.session, i.tokens),
        // The account's own scope: the update below names tenant, customer set and id.
        login_tenant_id: i.scope.tenantId,
        login_customer_set: i.scope.customerSet,
        login_account_id: i.accountId,
        at: i.at.toISOString(),
        region: i.region,
        device_hash: i.deviceHash,
        ev_site_id: i.event.siteId,
        ev_type: i.event.type,
        ev_client_id: i.event.clientId,
        ev_ip: i.event.ip,
        ev_user_agent: i.event.userAgent?.slice(0, 500) ?? null,
        ev_detail: i.event.detail,
        ev_at: i.event.at.toISOString(),
        ev_actor: i.event.actor ?? null,
      })),
    );
    const result = await sql<AccountRow>`
      with j as (select * from json_to_recordset(${rows}::json) as x(${CHAIN_COLUMNS},
        login_tenant_id integer, login_customer_set text, login_account_id integer, at timestamptz, region text,
        device_hash text, ev_site_id integer, ev_type text, ev_client_id text, ev_ip text, ev_user_agent text,
        ev_detail jsonb, ev_at timestamptz, ev_actor text)),
      admitted as (
        update accounts set last_login_at = j.at, last_region = coalesce(j.region, accounts.last_region)
        from j
        where accounts.tenant_id = j.login_tenant_id and accounts.customer_set = j.login_customer_set
          and accounts.id = j.login_account_id and ${unlockedAt(sql.ref('j.at'))}
          -- twin of domain/accounts/active.ts: a deactivation that won the race admits nothing
          and (accounts.profile->>'isActive') is distinct from 'false'
        returning accounts.*),
      k as (select j.* from j join admitted on admitted.id = j.login_account_id),
      ${insertChains('k')},
      device as (
        insert into known_devices (account_id, fingerprint_hash, first_seen_at, last_seen_at)
        select login_account_id, device_hash, at, at from k where device_hash is not null
        on conflict (account_id, fingerprint_hash) do update set last_seen_at = excluded.last_seen_at),
      event as (
        insert into auth_events (tenant_id, site_id, account_id, type, client_id, ip, user_agent, detail, created_at, actor)
        select login_tenant_id, ev_site_id, login_account_id, ev_type, ev_client_id, ev_ip, ev_user_agent, ev_detail,
          ev_at, ev_actor from k)
      select * from admitted`.execute(db());
    const byId = new Map(result.rows.map((r) => [r.id, r]));
    return items.map((i) => byId.get(i.accountId));
  }
  // Logins of one account in one batch update its row once and each store its chain (the join
  // below); the same device twice in one batch fails the statement's upsert, and store/batch.ts
  // then runs each login alone.
  return batched(write);
}
