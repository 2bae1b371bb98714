import { TOTP, Secret } from 'otpauth';
import type { TestServer } from './server.ts';
import { createOperatorAdmin } from '../../src/domain/operators/manage.ts';
import { createOperatorsRepo } from '../../src/store/repos/operators.ts';
import { createConsoleSessionsRepo } from '../../src/store/repos/console-sessions.ts';
import { sealerFrom } from '../../src/store/sealer.ts';

/** The operators' admin (what the CLI calls) over the server's database. */
export function operatorAdminFor(s: TestServer) {
  return createOperatorAdmin({
    repo: createOperatorsRepo(s.store.db),
    sessions: createConsoleSessionsRepo(s.store.db),
    hasher: s.services.hasher,
    sealer: sealerFrom(s.config),
    clock: s.clock,
    tenantIds: s.config.tenants.map((t) => t.id),
  });
}

/** An operator made as the CLI makes one, on the server's database; with `totp`, its secret. */
export async function createOperator(
  s: TestServer,
  o: { email: string; role?: 'support' | 'admin'; password: string; totp?: boolean },
): Promise<{ email: string; password: string; totpSecret?: string }> {
  const admin = operatorAdminFor(s);
  const r = await admin.create({
    email: o.email,
    role: o.role ?? 'support',
    tenantId: 1,
    password: o.password,
    totp: o.totp,
  });
  const totpSecret = r.totpUri ? new URL(r.totpUri).searchParams.get('secret')! : undefined;
  return { email: o.email, password: o.password, totpSecret };
}

/** The code an authenticator app shows for `secret` at `at`. */
export function totpCode(secret: string, at: Date): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at.getTime(),
  });
}
