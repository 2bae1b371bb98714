/**
 * A PostgreSQL adapter for oidc-provider (its Adapter interface: upsert, find, findByUid,
 * findByUserCode, consume, destroy, revokeByGrantId), one table for every model, written for the
 * bench's peer run (issue #16). One statement per call, as a production adapter would do.
 */
import type pg from 'pg';

export const OIDC_SCHEMA = `
  create table if not exists oidc_payloads (
    id text not null,
    type text not null,
    payload jsonb not null,
    grant_id text,
    user_code text,
    uid text,
    expires_at timestamptz,
    consumed_at timestamptz,
    primary key (id, type)
  );
  create index if not exists oidc_payloads_grant on oidc_payloads (grant_id);
  create index if not exists oidc_payloads_uid on oidc_payloads (uid);
  create index if not exists oidc_payloads_user_code on oidc_payloads (user_code);`;

type Payload = Record<string, unknown> & { grantId?: string; userCode?: string; uid?: string };

/** Answers the adapter class oidc-provider instantiates once per model name. */
export function pgAdapter(pool: pg.Pool) {
  return class PgAdapter {
    constructor(private readonly type: string) {}

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      await pool.query(
        `insert into oidc_payloads (id, type, payload, grant_id, user_code, uid, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (id, type) do update set payload = excluded.payload, grant_id = excluded.grant_id,
           user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`,
        [
          id,
          this.type,
          payload,
          payload.grantId ?? null,
          payload.userCode ?? null,
          payload.uid ?? null,
          expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
        ],
      );
    }

    private async findBy(column: 'id' | 'uid' | 'user_code', value: string): Promise<Payload | undefined> {
      const r = await pool.query<{ payload: Payload; consumed_at: Date | null }>(
        `select payload, consumed_at from oidc_payloads
         where ${column} = $1 and type = $2 and (expires_at is null or expires_at > now())`,
        [value, this.type],
      );
      const row = r.rows[0];
      if (!row) return undefined;
      return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
    }

    find(id: string) {
      return this.findBy('id', id);
    }

    findByUid(uid: string) {
      return this.findBy('uid', uid);
    }

    findByUserCode(userCode: string) {
      return this.findBy('user_code', userCode);
    }

    async consume(id: string): Promise<void> {
      await pool.query('update oidc_payloads set consumed_at = now() where id = $1 and type = $2', [id, this.type]);
    }

    async destroy(id: string): Promise<void> {
      await pool.query('delete from oidc_payloads where id = $1 and type = $2', [id, this.type]);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await pool.query('delete from oidc_payloads where grant_id = $1', [grantId]);
    }
  };
}
