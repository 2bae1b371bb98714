import type { Config } from './config/load.ts';
import type { Clock } from './domain/clock.ts';
import { openAppRegistry } from './domain/apps/registry.ts';
import { createAppTicketService } from './domain/apps/tickets.ts';
import { keyPolicyFrom, openKeyRing } from './domain/tokens/keys.ts';
import { createJwtService } from './domain/tokens/jwt.ts';
import { createPasswordHasher } from './domain/passwords/hasher.ts';
import { createPasswordCheck } from './domain/passwords/check.ts';
import { createAudit } from './domain/audit/events.ts';
import { createTicketIssuer } from './domain/tickets/issue.ts';
import { createTicketService } from './domain/tickets/service.ts';
import { createLockout, createLoginGuard } from './domain/guard/lockout.ts';
import { createAccountSecurity } from './domain/accounts/security.ts';
import { importLegacySecret } from './domain/passwords/legacy.ts';
import { createAccountService } from './domain/accounts/service.ts';
import { createCodeService } from './domain/codes/service.ts';
import { createCodeMailer } from './domain/twofactor/deliver.ts';
import { createSecondFactor } from './domain/twofactor/second-factor.ts';
import { createCodeLoginService } from './domain/twofactor/service.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { createCodesRepo } from './store/repos/codes.ts';
import { createDevicesRepo } from './store/repos/devices.ts';
import { createSecretsRepo } from './store/repos/secrets.ts';
import type { Store } from './store/db.ts';
import { createAppsRepo } from './store/repos/apps.ts';
import { createKeysRepo } from './store/repos/keys.ts';
import { createAccountsRepo } from './store/repos/accounts.ts';
import { createSessionsRepo } from './store/repos/sessions.ts';
import { createAuditRepo } from './store/repos/audit.ts';
import { createResetsRepo } from './store/repos/resets.ts';
import { sealerFrom } from './store/sealer.ts';

export interface ServiceOptions {
  config: Config;
  store: Store;
  clock: Clock;
  /** Called once when the built-in app's secret is generated, so the caller can print it. */
  onBootstrapSecret?: (clientId: string, secret: string) => void;
  /** Sends the code mails; default: SMTP_URL, else the outbox folder (tests pass their own). */
  mailer?: Mailer;
  /** Where services log outside a request (outbox files, failed background mail); default stderr. */
  logger?: ServiceLogger;
}

/** The slice of a pino logger the services use. */
export interface ServiceLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const stderrLogger: ServiceLogger = {
  info: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'info', ...obj, msg })}\n`),
  error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', ...obj, msg })}\n`),
};

/** Wires the domain services over the store; shared by main.ts and the test server. */
export async function createServices(opts: ServiceOptions) {
  const { config, store, clock } = opts;
  const db = store.db;
  // With SECRETS_KEY, private keys and server secrets are encrypted at rest; a wrong or missing key
  // for rows already encrypted stops the start here (SecretsKeyError), before anything is served.
  const sealer = sealerFrom(config);
  const keysRepo = createKeysRepo(db, sealer);
  const secretsRepo = createSecretsRepo(db, sealer);
  await keysRepo.reseal();
  await secretsRepo.reseal();
  const keys = await openKeyRing(keysRepo, clock, keyPolicyFrom(config));
  const jwt = createJwtService({ keys, clock, issuer: config.jwtIssuer });
  const appsRepo = createAppsRepo(db);
  const registry = await openAppRegistry({ config, repo: appsRepo, clock, onGenerated: opts.onBootstrapSecret });
  const appTickets = createAppTicketService({ registry, repo: appsRepo, jwt, clock });

  const repos = { accounts: createAccountsRepo(db), sessions: createSessionsRepo(db), audit: createAuditRepo(db) };
  const hasher = await createPasswordHasher(config.argon2, config.hashing);
  const audit = createAudit({ repo: repos.audit, clock });
  const issuer = createTicketIssuer({ sessions: repos.sessions, jwt, clock });
  const passwords = createPasswordCheck({ hasher, accounts: repos.accounts, clock });
  // One lockout for password and one-time-code logins (wrong OTP codes count as failed logins).
  const lockout = createLockout({ accounts: repos.accounts, audit, clock });
  const loginGuard = createLoginGuard(lockout);

  // Email 2FA and OTP login (CONTRACT §5): codes, known devices, mail.
  const logger = opts.logger ?? stderrLogger;
  const mailer =
    opts.mailer ??
    createMailer({
      smtpUrl: config.smtpUrl,
      from: config.mailFrom,
      outboxDir: config.mailOutboxDir,
      onOutbox: (file) => logger.info({ file }, 'mail written to the outbox (no SMTP_URL)'),
    });
  const onError = (err: unknown, what: string) =>
    logger.error(
      { err: err instanceof Error ? { message: err.message, code: (err as { code?: unknown }).code } : String(err) },
      `failed ${what}`,
    );
  const devices = createDevicesRepo(db);
  const codes = createCodeService({ codes: createCodesRepo(db), secrets: secretsRepo, clock });
  const codeMailer = createCodeMailer({ mailer, codes, onError });
  const secondFactor = createSecondFactor({ codes, devices, mail: codeMailer, audit, clock });
  const tickets = createTicketService({
    accounts: repos.accounts,
    sessions: repos.sessions,
    issuer,
    hasher,
    passwords,
    guard: loginGuard,
    secondFactor,
    audit,
    clock,
  });
  const accounts = createAccountService({
    accounts: repos.accounts,
    sessions: repos.sessions,
    hasher,
    audit,
    clock,
    completeLogin: tickets.completeLogin,
    importSecret: importLegacySecret,
  });
  const security = createAccountSecurity({
    accounts: repos.accounts,
    sessions: repos.sessions,
    resets: createResetsRepo(db),
    auditRepo: repos.audit,
    audit,
    lockout,
    passwords,
    hasher,
    mailer,
    clock,
    importSecret: importLegacySecret,
  });
  const codeLogin = createCodeLoginService({
    accounts: repos.accounts,
    devices,
    codes,
    mail: codeMailer,
    guard: createLoginGuard(lockout, { passwordLogin: false }),
    audit,
    clock,
    completeLogin: tickets.completeLogin,
    onError,
  });
  return {
    config,
    store,
    clock,
    keys,
    jwt,
    registry,
    appTickets,
    tickets,
    accounts,
    repos,
    hasher,
    audit,
    mailer,
    codes,
    devices,
    codeLogin,
    security,
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
