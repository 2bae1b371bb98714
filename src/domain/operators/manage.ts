import { randomBytes } from 'node:crypto';
import type { OperatorRow, OperatorsRepo } from '../../store/repos/operators.ts';
import type { ConsoleSessionsRepo } from '../../store/repos/console-sessions.ts';
import type { Sealer } from '../../store/sealer.ts';
import type { Clock } from '../clock.ts';
import type { PasswordHasher } from '../passwords/hasher.ts';
import { KiboError, assertThat } from '../errors.ts';
import { isEmailAddress } from '../accounts/lookup.ts';
import { newTotpSecret } from './totp.ts';

export type OperatorRole = 'support' | 'admin';
export const OPERATOR_ROLES: readonly OperatorRole[] = ['support', 'admin'];
/** Operators' passwords: longer than shoppers' minimum, as staff reach every shopper. */
const MIN_PASSWORD = 12;

/** The name a TOTP secret is sealed under: a sealed value copied to another row does not open. */
export const totpSealName = (id: number): string => `operator-totp:${id}`;

/** What is shown of an operator: never the hash or the secret. */
export interface OperatorView {
  id: number;
  email: string;
  role: OperatorRole;
  tenantId: number;
  totp: boolean;
  disabled: boolean;
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
}

const viewOf = (r: OperatorRow): OperatorView => ({
  id: r.id,
  email: r.email,
  role: r.role,
  tenantId: r.tenant_id,
  totp: r.totp_secret !== null,
  disabled: r.disabled,
  lockedUntil: r.locked_until?.toISOString() ?? null,
  lastLoginAt: r.last_login_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

/**
 * Seals every TOTP secret again when SECRETS_KEY changed (or was set), as the signing keys and
 * server secrets are at start. @throws SecretsKeyError when a secret does not open
 */
export async function resealTotpSecrets(repo: OperatorsRepo, sealer: Sealer): Promise<number> {
  let n = 0;
  for (const r of await repo.totpSecrets()) {
    if (!sealer.needsReseal(r.totp_secret)) continue;
    const plain = sealer.open(r.totp_secret, totpSealName(r.id));
    await repo.replaceTotpSecret(r.id, r.totp_secret, sealer.seal(plain, totpSealName(r.id)));
    n++;
  }
  return n;
}

export const normEmail = (email: string): string => email.trim().toLowerCase();

/** 144 random bits, base64url: shown once, typed or pasted by the operator. */
const generatePassword = (): string => randomBytes(18).toString('base64url');

/** @throws MISSING_OR_INVALID_PARAMETER */
function checkPassword(pw: string): void {
  assertThat(
    pw.length >= MIN_PASSWORD && pw.length <= 256,
    'MISSING_OR_INVALID_PARAMETER',
    `An operator's password must have ${MIN_PASSWORD} to 256 characters`,
  );
}

/** Operators as the admin CLI manages them: create, list, disable, reset a password. */
export function createOperatorAdmin(deps: {
  repo: OperatorsRepo;
  sessions: ConsoleSessionsRepo;
  hasher: Pick<PasswordHasher, 'hash'>;
  sealer: Sealer;
  clock: Clock;
  tenantIds: readonly number[];
}) {
  const { repo, hasher, sealer, clock } = deps;

  async function mustFind(email: string): Promise<OperatorRow> {
    const row = await repo.findByEmail(normEmail(email));
    if (!row) throw new KiboError('ITEM_NOT_FOUND', `No operator ${normEmail(email)}`);
    return row;
  }

  return {
    /**
     * A new operator; the password is generated unless given, and returned only here. With `totp`,
     * a TOTP secret is made and its otpauth:// URI returned once.
     * @throws MISSING_OR_INVALID_PARAMETER | VALIDATION_CONFLICT
     */
    async create(a: {
      email: string;
      role: string;
      tenantId: number;
      password?: string;
      totp?: boolean;
    }): Promise<OperatorView & { password?: string; totpUri?: string }> {
      const email = normEmail(a.email);
      assertThat(isEmailAddress(email), 'MISSING_OR_INVALID_PARAMETER', `Not an email address: ${a.email}`);
      assertThat(
        (OPERATOR_ROLES as readonly string[]).includes(a.role),
        'MISSING_OR_INVALID_PARAMETER',
        `Unknown role "${a.role}" (support or admin)`,
      );
      assertThat(deps.tenantIds.includes(a.tenantId), 'MISSING_OR_INVALID_PARAMETER', `Unknown tenant ${a.tenantId}`);
      if (a.password !== undefined) checkPassword(a.password);
      if (await repo.findByEmail(email)) throw new KiboError('VALIDATION_CONFLICT', `Operator ${email} exists already`);
      const password = a.password ?? generatePassword();
      const totp = a.totp ? newTotpSecret(email) : undefined;
      let row: OperatorRow;
      try {
        row = await repo.insert({
          tenantId: a.tenantId,
          email,
          role: a.role as OperatorRole,
          passwordHash: await hasher.hash(password),
          totpSecret: null,
          at: clock.now(),
        });
      } catch (err) {
        // Two creates of one email at once: the database decides.
        if ((err as { code?: string }).code === '23505')
          throw new KiboError('VALIDATION_CONFLICT', `Operator ${email} exists already`);
        throw err;
      }
      if (totp) {
        const sealed = sealer.seal(totp.secret, totpSealName(row.id));
        await repo.setTotpSecret(row.id, sealed);
        row = { ...row, totp_secret: sealed };
      }
      return {
        ...viewOf(row),
        ...(a.password === undefined ? { password } : {}),
        ...(totp ? { totpUri: totp.uri } : {}),
      };
    },

    list: async (): Promise<OperatorView[]> => (await repo.list()).map(viewOf),

    /** Disables (or enables again) an operator; their console sessions end. @throws ITEM_NOT_FOUND */
    async setDisabled(email: string, disabled: boolean): Promise<OperatorView> {
      const row = await repo.setDisabled((await mustFind(email)).email, disabled, clock.now());
      if (!row) throw new KiboError('ITEM_NOT_FOUND', `No operator ${normEmail(email)}`);
      if (disabled) await deps.sessions.deleteForOperator(row.id);
      return viewOf(row);
    },

    /**
     * A new password (generated unless given, returned only here); ends a lockout and every console
     * session of the operator. @throws ITEM_NOT_FOUND | MISSING_OR_INVALID_PARAMETER
     */
    async resetPassword(email: string, given?: string): Promise<OperatorView & { password?: string }> {
      if (given !== undefined) checkPassword(given);
      const found = await mustFind(email);
      const password = given ?? generatePassword();
      const row = await repo.setPassword(found.email, await hasher.hash(password), clock.now());
      if (!row) throw new KiboError('ITEM_NOT_FOUND', `No operator ${found.email}`);
      await deps.sessions.deleteForOperator(row.id);
      return { ...viewOf(row), ...(given === undefined ? { password } : {}) };
    },
  };
}
