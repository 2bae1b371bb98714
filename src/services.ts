import type { Config } from './config/load.ts';
import type { Clock } from './domain/clock.ts';
import { openAppRegistry } from './domain/apps/registry.ts';
import { createAppTicketService } from './domain/apps/tickets.ts';
import { openKeyRing } from './domain/tokens/keys.ts';
import { createJwtService } from './domain/tokens/jwt.ts';
import { createPasswordHasher } from './domain/passwords/hasher.ts';
import { createPasswordCheck } from './domain/passwords/check.ts';
import { createAudit } from './domain/audit/events.ts';
import { createTicketIssuer } from './domain/tickets/issue.ts';
import { createTicketService } from './domain/tickets/service.ts';
import { noLoginGuard, noSecondFactor } from './domain/tickets/hooks.ts';
import { createAccountService } from './domain/accounts/service.ts';
import type { Store } from './store/db.ts';
import { createAppsRepo } from './store/repos/apps.ts';
import { createKeysRepo } from './store/repos/keys.ts';
import { createAccountsRepo } from './store/repos/accounts.ts';
import { createSessionsRepo } from './store/repos/sessions.ts';
import { createAuditRepo } from './store/repos/audit.ts';

export interface ServiceOptions {
  config: Config;
  store: Store;
  clock: Clock;
  /** Called once when the built-in app's secret is generated, so the caller can print it. */
  onBootstrapSecret?: (clientId: string, secret: string) => void;
}

/** Wires the domain services over the store; shared by main.ts and the test server. */
export async function createServices(opts: ServiceOptions) {
  const { config, store, clock } = opts;
  const db = store.db;
  const keys = await openKeyRing(createKeysRepo(db), clock);
  const jwt = createJwtService({ keys, clock, issuer: config.jwtIssuer });
  const appsRepo = createAppsRepo(db);
  const registry = await openAppRegistry({ config, repo: appsRepo, clock, onGenerated: opts.onBootstrapSecret });
  const appTickets = createAppTicketService({ registry, repo: appsRepo, jwt, clock });

  const repos = { accounts: createAccountsRepo(db), sessions: createSessionsRepo(db), audit: createAuditRepo(db) };
  const hasher = await createPasswordHasher(config.argon2);
  const audit = createAudit({ repo: repos.audit, clock });
  const issuer = createTicketIssuer({ sessions: repos.sessions, jwt, clock });
  const passwords = createPasswordCheck({ hasher, accounts: repos.accounts, clock });
  const tickets = createTicketService({
    accounts: repos.accounts, sessions: repos.sessions, issuer, hasher, passwords,
    guard: noLoginGuard, secondFactor: noSecondFactor, audit, clock,
  });
  const accounts = createAccountService({
    accounts: repos.accounts, sessions: repos.sessions, hasher, audit, clock, completeLogin: tickets.completeLogin,
  });
  return { config, store, clock, keys, jwt, appTickets, shoppers: tickets, tickets, accounts, repos, hasher, audit };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
