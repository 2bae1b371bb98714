import type { Config } from './config/load.ts';
import type { Clock } from './domain/clock.ts';
import { openAppRegistry } from './domain/apps/registry.ts';
import { APP_REFRESH_MINUTES, createAppTicketService } from './domain/apps/tickets.ts';
import { keyPolicyFrom, openKeyRing } from './domain/tokens/keys.ts';
import { createJwtService } from './domain/tokens/jwt.ts';
import { createPasswordHasher } from './domain/passwords/hasher.ts';
import { createHashPool } from './runtime/hash-pool.ts';
import { createSigner } from './runtime/signer.ts';
import { createPasswordCheck } from './domain/passwords/check.ts';
import { createAudit } from './domain/audit/events.ts';
import { createTicketIssuer } from './domain/tickets/issue.ts';
import { createTicketService } from './domain/tickets/service.ts';
import { createLockout, createLoginGuard } from './domain/lockout/lockout.ts';
import { createLoginStates } from './domain/accounts/login-state.ts';
import { createPasswordChange } from './domain/passwords/change.ts';
import { createPasswordReset } from './domain/passwords/reset.ts';
import { createAuditLog } from './domain/audit/query.ts';
import { importLegacySecret } from './domain/passwords/legacy.ts';
import { createAccountService } from './domain/accounts/service.ts';
import { createCodeService } from './domain/codes/service.ts';
import { createCodeMailer } from './domain/twofactor/deliver.ts';
import { createSecondFactor } from './domain/twofactor/decide.ts';
import { createCodeLoginService } from './domain/twofactor/code-login.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { observeAudit, observeCodeMailer, observeHasher, observeMailer } from './domain/telemetry.ts';
import { createMetrics } from './runtime/metrics.ts';
import type { SecretsRepo } from './store/repos/secrets.ts';
import { createRepos } from './store/repos/index.ts';
import type { Store } from './store/db.ts';
import { transaction, type Transact } from './store/transaction.ts';
import { createContactService } from './domain/contacts/service.ts';
import { createAttributeService } from './domain/attributes/service.ts';
import { createBulkAccounts } from './domain/accounts/bulk.ts';
import { createGuestTokens } from './domain/tokens/guest.ts';
import { createTokenKeys } from './domain/tokens/token-keys.ts';
import { createAppRefreshTokens } from './domain/tokens/app-refresh.ts';
import { createLifecycle } from './runtime/lifecycle-service.ts';
import { sealerFrom } from './store/sealer.ts';
import { createOperatorsRepo } from './store/repos/operators.ts';
import { createConsoleSessionsRepo } from './store/repos/console-sessions.ts';
import { createAccountSearchRepo } from './store/repos/account-search.ts';
import { createConsoleLogin } from './domain/operators/console-login.ts';
import { resealTotpSecrets } from './domain/operators/manage.ts';
import { createSupportDesk } from './domain/operators/support.ts';
import { createSessionRevoker } from './domain/accounts/revoke-sessions.ts';
import { createShopperSessions } from './domain/accounts/shopper-sessions.ts';
import { createAppAdmin } from './domain/apps/manage.ts';
import { createOperatorAdmin } from './domain/operators/manage.ts';
import { createConsoleAdmin } from './domain/admin/console-admin.ts';
import { createMetricsHistory } from './runtime/metrics-history.ts';

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
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const stderrLogger: ServiceLogger = {
  info: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'info', ...obj, msg })}\n`),
  error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', ...obj, msg })}\n`),
};

/** The longest any self-authenticating token lives: a tenant's longest ticket, or an app refresh token. */
export function longestTokenMinutes(config: Config): number {
  return Math.max(
    APP_REFRESH_MINUTES,
    ...config.tenants.map((t) => Math.max(t.tokens.maxAccessMinutes, t.tokens.maxRefreshMinutes)),
  );
}

/** The keys guest and app refresh tokens are MAC'd under: in server_secrets, rotating every `retention.guestKeyDays`. */
export function tokenKeysFor(config: Config, secrets: SecretsRepo, clock: Clock) {
  return createTokenKeys({
    store: secrets,
    clock,
    periodMinutes: config.retention.guestKeyDays * 1440,
    maxTokenMinutes: longestTokenMinutes(config),
  });
}

/** Wires the domain services over the store; shared by main.ts and the test server. */
export async function createServices(opts: ServiceOptions) {
  const { config, store, clock } = opts;
  const db = store.db;
  const transact: Transact = (fn) => transaction(db, fn);
  // Security metrics (/metrics): counted where the audit log, the mailers and the hasher are wired.
  const metrics = createMetrics();
  metrics.watchStore(store);
  const telemetry = metrics.telemetry;
  // The console dashboard's recent history of those counters: sampled each minute until close().
  const metricsHistory = createMetricsHistory({ registry: metrics.registry, clock });
  const stopHistory = metricsHistory.start();
  // With SECRETS_KEY, private keys and server secrets are encrypted at rest; a wrong or missing key
  // for rows already encrypted stops the start here (SecretsKeyError), before anything is served.
  // The decoy argon2 hash is made on the hashing thread while the statements below run (start time).
  const hashPool = createHashPool(config.hashing.threads, { nice: config.hashing.nice });
  const hasherReady = createPasswordHasher(config.argon2, hashPool);
  hasherReady.catch(() => {}); // awaited below; a start that fails before then must not warn twice
  // Every repository, built once here and handed to what uses it.
  const sealer = sealerFrom(config);
  const repos = createRepos(db, sealer);
  const { secrets } = repos;
  await repos.keys.reseal();
  await secrets.reseal();
  const operators = createOperatorsRepo(db);
  await resealTotpSecrets(operators, sealer);
  const keys = await openKeyRing(repos.keys, clock, keyPolicyFrom(config));
  const signer = createSigner();
  const jwt = createJwtService({ keys, clock, issuer: config.jwtIssuer, es256: signer.es256 });
  // Guest tokens and app refresh tokens are MAC'd under rotating server keys: neither a guest
  // ticket nor an app ticket writes anything when issued (issues #14, #16).
  const tokenKeys = tokenKeysFor(config, secrets, clock);
  await tokenKeys.prepare();
  const registry = await openAppRegistry({ config, repo: repos.apps, clock, onGenerated: opts.onBootstrapSecret });
  const appTickets = createAppTicketService({
    registry,
    repo: repos.apps,
    jwt,
    clock,
    refreshTokens: createAppRefreshTokens({ keys: tokenKeys }),
  });

  const hasher = observeHasher(await hasherReady, telemetry);
  const audit = observeAudit(createAudit({ repo: repos.audit, clock }), telemetry);
  const guestTokens = createGuestTokens({ keys: tokenKeys });
  const { guests, devices } = repos;
  const issuer = createTicketIssuer({ sessions: repos.sessions, jwt, clock, guests: guestTokens });
  const passwords = createPasswordCheck({ hasher, accounts: repos.accounts, clock });
  // One lockout for password and one-time-code logins (wrong OTP codes count as failed logins).
  const lockout = createLockout({ store: repos.lockout, logins: repos.logins, audit, clock });
  const loginGuard = createLoginGuard(lockout);

  // Email 2FA and OTP login (CONTRACT §5): codes, known devices, mail.
  const logger = opts.logger ?? stderrLogger;
  const mailer = observeMailer(
    opts.mailer ??
      createMailer({
        smtpUrl: config.smtpUrl,
        from: config.mailFrom,
        outboxDir: config.mailOutboxDir,
        onOutbox: (file) => logger.info({ file }, 'mail written to the outbox (no SMTP_URL)'),
      }),
    telemetry,
  );
  const onError = (err: unknown, what: string) =>
    logger.error(
      { err: err instanceof Error ? { message: err.message, code: (err as { code?: unknown }).code } : String(err) },
      `failed ${what}`,
    );
  const codes = createCodeService({ codes: repos.codes, secrets, clock });
  // Loaded now, not first inside a transaction that may roll back the secret it created.
  await codes.ready();
  const codeMailer = observeCodeMailer(createCodeMailer({ mailer, codes, onError }), telemetry);
  const secondFactor = createSecondFactor({ codes, devices, mail: codeMailer, audit });
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
    guestTokens,
    guests,
    transact,
  });
  const lifecycle = createLifecycle({
    config,
    store,
    clock,
    logger,
    tokenKeys,
    maxTokenMinutes: longestTokenMinutes(config),
    resendSeconds: codes.policy.resendSeconds,
  });
  metrics.registry.registerMetric(lifecycle.prunedRows);
  const accounts = createAccountService({
    accounts: repos.accounts,
    sessions: repos.sessions,
    hasher,
    audit,
    clock,
    transact,
    completeLogin: tickets.completeLogin,
    importSecret: importLegacySecret,
  });
  // An account's security, by use case: its login state, a password change, a reset, its audit log.
  const loginStates = createLoginStates({ accounts: repos.accounts, sessions: repos.sessions, audit, clock, transact });
  const passwordChange = createPasswordChange({
    accounts: repos.accounts,
    sessions: repos.sessions,
    audit,
    lockout,
    passwords,
    hasher,
    clock,
    transact,
    importSecret: importLegacySecret,
  });
  const passwordReset = createPasswordReset({
    accounts: repos.accounts,
    sessions: repos.sessions,
    resets: repos.resets,
    audit,
    lockout,
    hasher,
    mailer,
    clock,
    transact,
    onError,
  });
  const auditLog = createAuditLog({ accounts: repos.accounts, auditRepo: repos.audit });
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
  // The account's address book and attributes (CONTRACT §6, issue #17), and the admin bulk routes.
  const contacts = createContactService({ sections: repos.sections, audit, clock });
  const attributes = createAttributeService({ sections: repos.sections, audit, clock });
  const bulk = createBulkAccounts({ accounts, passwords: passwordChange });
  // The support console (issue #18): operators sign in; support acts through the same security rules.
  const consoleLogin = createConsoleLogin({
    operators,
    sessions: createConsoleSessionsRepo(db),
    hasher,
    sealer,
    clock,
    policy: config.console,
  });
  const search = createAccountSearchRepo(db);
  const revokeSessions = createSessionRevoker({ sessions: repos.sessions, audit, clock, transact });
  const support = createSupportDesk({
    accounts: repos.accounts,
    search,
    security: loginStates,
    revokeSessions,
    sessions: repos.sessions,
    devices,
    contacts,
    auditRepo: repos.audit,
    passwordReset,
    impersonate: tickets.impersonate,
    apps: registry.list,
    audit,
    clock,
    transact,
  });
  // The console's admin pages: the admin CLI's own functions, scoped to the admin's tenant.
  const consoleAdmin = createConsoleAdmin({
    apps: createAppAdmin({ config, repo: repos.apps, clock, onChange: () => registry.reload() }),
    keys: keys.admin,
    operators: createOperatorAdmin({
      repo: operators,
      sessions: createConsoleSessionsRepo(db),
      hasher,
      sealer,
      clock,
      tenantIds: config.tenants.map((t) => t.id),
    }),
    audit: repos.audit,
    clock,
  });
  // The shopper pages' sessions panel (the Kibo API has no route for it).
  const shopperSessions = createShopperSessions({ search, revoke: revokeSessions, clock });
  return {
    config,
    store,
    clock,
    metrics,
    keys,
    jwt,
    registry,
    appTickets,
    tickets,
    accounts,
    hasher,
    codeLogin,
    loginStates,
    passwordChange,
    passwordReset,
    auditLog,
    contacts,
    attributes,
    bulk,
    lifecycle,
    consoleLogin,
    support,
    shopperSessions,
    consoleAdmin,
    metricsHistory,
    /**
     * Waits for the background work (code and reset mails) and stops the hashing and signing
     * threads; main.ts and the test server call it after the HTTP server has closed.
     */
    async close(): Promise<void> {
      stopHistory();
      await codeLogin.idle();
      await passwordReset.idle();
      await hasher.close();
      await signer.close();
    },
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
