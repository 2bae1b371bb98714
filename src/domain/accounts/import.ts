import { randomUUID } from 'node:crypto';
import type { Config, SiteConfig, TenantConfig } from '../../config/load.ts';
import { norm, type AccountRow } from '../../store/repos/accounts.ts';
import type { AccountImportRepo } from '../../store/repos/account-import.ts';
import type { Clock } from '../clock.ts';
import { KiboError } from '../errors.ts';
import type { PasswordHasher } from '../passwords/hasher.ts';
import { assertPasswordPolicy } from '../passwords/policy.ts';
import { importLegacySecret } from '../passwords/legacy.ts';
import { isEmailAddress } from './lookup.ts';
import { profileFromInput, type AccountInput } from './shape.ts';

/** One line of an import file, parsed: the profile fields, and a plain password or a legacy hash. */
export type ImportRecord = Record<string, unknown>;

export interface ImportLine {
  line: number;
  record: ImportRecord;
}

export interface ImportOutcome {
  line: number;
  status: 'created' | 'updated' | 'skipped' | 'failed';
  accountId?: number;
  reason?: string;
}

export interface ImportOptions {
  tenantId: number;
  siteId: number;
  /** What an account whose email or user name exists already gets: left alone, or updated from the line. */
  existing: 'skip' | 'update';
}

const STRING_FIELDS = [
  'userName',
  'emailAddress',
  'firstName',
  'lastName',
  'localeCode',
  'accountType',
  'companyOrOrganization',
  'customerSinceDate',
  'externalId',
  'taxId',
] as const;
const BOOLEAN_FIELDS = ['taxExempt', 'acceptsMarketing', 'isActive'] as const;
const LIST_FIELDS = ['attributes', 'contacts', 'notes', 'segments'] as const;
const SECRET_FIELDS = ['password', 'externalPassword'] as const;
/** Every field an import line may have (CSV: the header names). */
export const IMPORT_FIELDS: readonly string[] = [...STRING_FIELDS, ...BOOLEAN_FIELDS, ...LIST_FIELDS, ...SECRET_FIELDS];

/** Accounts of one batch written at a time (the CLI's PostgreSQL pool has 4 connections). */
const IMPORT_CONCURRENCY = 4;

/** The client id imports are recorded under (created_by, updated_by, audit events). */
export const IMPORT_CLIENT_ID = 'admin-cli';

class LineError extends Error {}

/** Checks a line's fields; answers the account input and its password or hash, or throws LineError. */
function parseRecord(record: ImportRecord): { input: AccountInput; password?: string; externalPassword?: string } {
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v === null || v === undefined || v === '') continue;
    if ((STRING_FIELDS as readonly string[]).includes(k) || (SECRET_FIELDS as readonly string[]).includes(k)) {
      if (typeof v !== 'string') throw new LineError(`${k} must be a string`);
      if (v.length > 1000) throw new LineError(`${k} is longer than 1000 characters`);
    } else if ((BOOLEAN_FIELDS as readonly string[]).includes(k)) {
      if (v === 'true' || v === 'false') {
        input[k] = v === 'true';
        continue;
      }
      if (typeof v !== 'boolean') throw new LineError(`${k} must be true or false`);
    } else if ((LIST_FIELDS as readonly string[]).includes(k)) {
      if (!Array.isArray(v)) throw new LineError(`${k} must be a list`);
    } else {
      throw new LineError(`unknown field "${k}"`);
    }
    input[k] = v;
  }
  const { password, externalPassword, ...profile } = input as AccountInput & {
    password?: string;
    externalPassword?: string;
  };
  if (password && externalPassword) throw new LineError('give password or externalPassword, not both');
  return { input: profile, password, externalPassword };
}

/**
 * `accounts import`: lines in, one outcome per line out. The existence checks of a batch are one
 * query; each account is then written whole in one statement of its own (with its audit event).
 * A legacy hash is stored as given (no argon2 at import: it becomes argon2id at the first login);
 * a plain password is checked against the site's rules and hashed with argon2id.
 */
export function createAccountImporter(deps: {
  config: Config;
  repo: AccountImportRepo;
  hasher?: Pick<PasswordHasher, 'hash'>;
  clock: Clock;
}) {
  const { config, repo, clock } = deps;

  function place(o: ImportOptions): { tenant: TenantConfig; site: SiteConfig } {
    const tenant = config.tenants.find((t) => t.id === o.tenantId);
    const site = tenant?.sites.find((s) => s.id === o.siteId);
    if (!tenant || !site) throw new KiboError('ITEM_NOT_FOUND', `Unknown tenant ${o.tenantId} or site ${o.siteId}`);
    return { tenant, site };
  }

  return {
    async importBatch(lines: ImportLine[], opts: ImportOptions): Promise<ImportOutcome[]> {
      const { tenant, site } = place(opts);
      const scope = { tenantId: tenant.id, customerSet: site.customerSet };
      const out: ImportOutcome[] = [];
      const parsed: {
        line: number;
        p: ReturnType<typeof parseRecord>;
        email: string | null;
        userName: string | null;
      }[] = [];
      for (const { line, record } of lines) {
        try {
          if (!record || typeof record !== 'object' || Array.isArray(record)) throw new LineError('not an object');
          const p = parseRecord(record);
          const email = p.input.emailAddress?.trim() || null;
          const userName = p.input.userName?.trim() || email;
          if (!email && !userName) throw new LineError('emailAddress or userName is required');
          if (email && !isEmailAddress(email)) throw new LineError('emailAddress is not a valid email address');
          if (p.externalPassword && !importLegacySecret(p.externalPassword))
            throw new LineError('externalPassword is not a supported password hash (bcrypt, PBKDF2-SHA256)');
          if (p.password) {
            try {
              assertPasswordPolicy(p.password, site.login.password);
            } catch (err) {
              throw new LineError((err as Error).message);
            }
          }
          parsed.push({ line, p, email, userName });
        } catch (err) {
          if (!(err instanceof LineError)) throw err;
          out.push({ line, status: 'failed', reason: err.message });
        }
      }

      const found = await repo.findExisting(
        scope,
        [...new Set(parsed.map((x) => norm(x.email)).filter((v): v is string => v !== null))],
        [...new Set(parsed.map((x) => norm(x.userName)).filter((v): v is string => v !== null))],
      );
      const byEmail = new Map(found.filter((r) => r.email_norm).map((r) => [r.email_norm!, r]));
      const byUserName = new Map(found.filter((r) => r.user_name_norm).map((r) => [r.user_name_norm!, r]));
      const match = (email: string | null, userName: string | null): AccountRow | undefined =>
        (email ? byEmail.get(norm(email)!) : undefined) ?? (userName ? byUserName.get(norm(userName)!) : undefined);

      const secretOf = async (p: ReturnType<typeof parseRecord>) => {
        if (p.externalPassword) return importLegacySecret(p.externalPassword)!;
        if (p.password) {
          if (!deps.hasher) throw new LineError('plain passwords need the hashing threads');
          return {
            passwordHash: await deps.hasher.hash(p.password),
            hasExternalPassword: false,
            migrationRequired: false,
          };
        }
        return undefined;
      };

      const update = async (row: AccountRow, x: (typeof parsed)[number], at: Date) => {
        const secret = await secretOf(x.p);
        const id = await repo.update(
          scope,
          row.id,
          {
            userName: x.userName ?? row.user_name,
            email: x.email ?? row.email,
            profile: profileFromInput(x.p.input, at, IMPORT_CLIENT_ID, row.profile),
            secret,
            at,
            by: IMPORT_CLIENT_ID,
          },
          { siteId: site.id, clientId: IMPORT_CLIENT_ID, type: 'account.updated', at },
        );
        return id;
      };

      const handle = async (x: (typeof parsed)[number]): Promise<void> => {
        const at = clock.now();
        try {
          const existing = match(x.email, x.userName);
          if (existing) {
            if (opts.existing === 'skip') {
              out.push({ line: x.line, status: 'skipped', accountId: existing.id });
              return;
            }
            const id = await update(existing, x, at);
            out.push(id ? { line: x.line, status: 'updated', accountId: id } : failed(x.line, 'the account is gone'));
            return;
          }
          const secret = await secretOf(x.p);
          const id = await repo.insert(
            {
              tenantId: tenant.id,
              customerSet: site.customerSet,
              userId: randomUUID().replaceAll('-', ''),
              userName: x.userName,
              email: x.email,
              passwordHash: secret?.passwordHash ?? null,
              profile: profileFromInput(x.p.input, at, IMPORT_CLIENT_ID),
              hasExternalPassword: secret?.hasExternalPassword,
              migrationRequired: secret?.migrationRequired,
              at,
              by: IMPORT_CLIENT_ID,
            },
            { siteId: site.id, clientId: IMPORT_CLIENT_ID, type: 'account.created', at },
          );
          if (id !== undefined) {
            out.push({ line: x.line, status: 'created', accountId: id });
            return;
          }
          // Taken since the check (an earlier line of this batch, or another writer): look again.
          const [now] = await repo.findExisting(
            scope,
            x.email ? [norm(x.email)!] : [],
            x.userName ? [norm(x.userName)!] : [],
          );
          if (!now) out.push(failed(x.line, 'the email or user name is taken'));
          else if (opts.existing === 'skip') out.push({ line: x.line, status: 'skipped', accountId: now.id });
          else {
            const uid = await update(now, x, at);
            out.push(uid ? { line: x.line, status: 'updated', accountId: uid } : failed(x.line, 'the account is gone'));
          }
        } catch (err) {
          if (err instanceof LineError) out.push(failed(x.line, err.message));
          else if ((err as { code?: string }).code === '23505')
            out.push(failed(x.line, 'the email or user name belongs to another account'));
          else throw err;
        }
      };

      // Lines naming an account no earlier line of the batch names run a few at a time (PostgreSQL
      // answers them on several connections; argon2 for plain passwords runs on several threads);
      // the others after them, in file order, so the first line for an account wins.
      const seen = new Set<string>();
      const firsts: typeof parsed = [];
      const repeats: typeof parsed = [];
      for (const x of parsed) {
        const keys = [norm(x.email), norm(x.userName)].filter((k): k is string => k !== null);
        if (keys.some((k) => seen.has(k))) repeats.push(x);
        else {
          keys.forEach((k) => seen.add(k));
          firsts.push(x);
        }
      }
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(IMPORT_CONCURRENCY, firsts.length) }, async () => {
          while (next < firsts.length) await handle(firsts[next++]);
        }),
      );
      for (const x of repeats) await handle(x);
      return out.sort((a, b) => a.line - b.line);
    },

    /** `accounts export`: a page of accounts, and where the next page starts (admin/ops.ts shapes them). */
    async exportPage(q: { afterId: number; limit: number; tenantId?: number }) {
      const rows = await repo.page(q);
      return { rows, nextAfterId: rows.length ? rows[rows.length - 1].id : undefined };
    },
  };
}

const failed = (line: number, reason: string): ImportOutcome => ({ line, status: 'failed', reason });
