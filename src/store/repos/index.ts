import type { Db } from '../db.ts';
import { plainSealer, type Sealer } from '../sealer.ts';
import { createAccountSectionsRepo } from './account-sections.ts';
import { createAccountsRepo } from './accounts.ts';
import { createAppsRepo } from './apps.ts';
import { createAuditRepo } from './audit.ts';
import { createCodesRepo } from './codes.ts';
import { createDevicesRepo } from './devices.ts';
import { createGuestsRepo } from './guests.ts';
import { createKeysRepo } from './keys.ts';
import { createLockoutStore } from './lockout.ts';
import { createLoginWrite } from './logins.ts';
import { createResetsRepo } from './resets.ts';
import { createSecretsRepo } from './secrets.ts';
import { createSessionsRepo } from './sessions.ts';

/**
 * Every repository the services use, each built once over `db` (services.ts hands them out).
 * Signing keys and server secrets go through `sealer` (encrypted at rest with SECRETS_KEY).
 */
export function createRepos(db: Db, sealer: Sealer = plainSealer) {
  return {
    accounts: createAccountsRepo(db),
    lockout: createLockoutStore(db),
    logins: createLoginWrite(db),
    sessions: createSessionsRepo(db),
    audit: createAuditRepo(db),
    codes: createCodesRepo(db),
    devices: createDevicesRepo(db),
    resets: createResetsRepo(db),
    sections: createAccountSectionsRepo(db),
    guests: createGuestsRepo(db),
    apps: createAppsRepo(db),
    keys: createKeysRepo(db, sealer),
    secrets: createSecretsRepo(db, sealer),
  };
}
