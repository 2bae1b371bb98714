import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the tables made by store/migrations. One interface per table. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface AccountProfile {
  firstName?: string;
  lastName?: string;
  localeCode?: string;
  accountType?: string;
  companyOrOrganization?: string;
  externalId?: string;
  taxExempt?: boolean;
  taxId?: string;
  acceptsMarketing?: boolean;
  isActive?: boolean;
  customerSinceDate?: string;
  attributes?: unknown[];
  contacts?: unknown[];
  notes?: unknown[];
  segments?: unknown[];
  commerceSummary?: unknown;
}

export interface AccountsTable {
  id: Generated<number>;
  tenant_id: number;
  customer_set: string;
  user_id: string;
  user_name: string | null;
  user_name_norm: string | null;
  email: string | null;
  email_norm: string | null;
  password_hash: string | null;
  profile: Json<AccountProfile>;
  is_locked: Generated<boolean>;
  locked_until: Timestamp | null;
  failed_attempts: Generated<number>;
  first_failed_at: Timestamp | null;
  last_locked_at: Timestamp | null;
  last_login_at: Timestamp | null;
  last_password_change_at: Timestamp | null;
  password_change_required: Generated<boolean>;
  last_2fa_at: Timestamp | null;
  last_region: string | null;
  has_external_password: Generated<boolean>;
  migration_required: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
}

export interface SessionsTable {
  id: string;
  tenant_id: number;
  site_id: number;
  customer_set: string;
  account_id: number | null;
  user_id: string;
  anonymous: boolean;
  client_id: string;
  impersonated_by: string | null;
  cart_id: string | null;
  previous_anonymous_id: string | null;
  /** lifetimes chosen at login, reused by every refresh of the chain */
  access_minutes: number;
  refresh_minutes: number;
  /** the chain's absolute end (impersonation): no token of it outlives this; null = none */
  ends_at: Timestamp | null;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  revoke_reason: string | null;
  /** when the chain's last issued token expires (migration 0007); pruned after it */
  live_until: Timestamp | null;
}

export interface AccessTokensTable {
  token_hash: string;
  session_id: string;
  expires_at: Timestamp;
  created_at: Timestamp;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
  created_at: Timestamp;
}

export interface AppsTable {
  client_id: string;
  tenant_id: number;
  secret_hash: string;
  behaviors: Json<string[]>;
  created_at: Timestamp;
  /** migration 0009: app access tokens issued before it are refused */
  secret_changed_at: Timestamp | null;
}

export interface AppRefreshTokensTable {
  token_hash: string;
  client_id: string;
  tenant_id: number;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
  created_at: Timestamp;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: Json<Record<string, unknown>>;
  public_jwk: Json<Record<string, unknown>>;
  created_at: Timestamp;
  retired_at: Timestamp | null;
  /** migration 0009: signs from then (published ahead); leaves the JWKS at expires_at */
  activates_at: Timestamp;
  expires_at: Timestamp | null;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: Timestamp;
}

export interface AuthEventsTable {
  id: Generated<string>;
  tenant_id: number;
  site_id: number | null;
  account_id: number | null;
  type: string;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Json<Record<string, unknown>>;
  created_at: Timestamp;
  /** the console operator who caused the event (migration 0010); null for the API's own */
  actor: string | null;
}

/** Password reset confirmation codes (migration 0003), by SHA-256 of the code. */
export interface PasswordResetsTable {
  token_hash: string;
  tenant_id: number;
  account_id: number;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
  created_at: Timestamp;
}

/** 2FA / OTP codes (migration 0002): an HMAC of the code, and for 2FA the pending login. */
export interface VerificationCodesTable {
  id: string;
  tenant_id: number;
  account_id: number;
  purpose: string;
  code_hash: string;
  challenge_hash: string | null;
  attempts: Generated<number>;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
  site_id: number;
  client_id: string;
  access_minutes: number | null;
  refresh_minutes: number | null;
  fingerprint_hash: string | null;
  region: string | null;
  /** the guest a pending 2FA login links when it completes (migration 0011) */
  previous_anonymous_id: string | null;
}

/** Devices an account has logged in from (migration 0002), by keyed hash of the fingerprint. */
export interface KnownDevicesTable {
  account_id: number;
  fingerprint_hash: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
}

/** When a code was last sent per throttle key (migration 0002). */
export interface CodeSendsTable {
  key: string;
  sent_at: Timestamp;
}

/** Extra challenge tokens of a 2FA challenge (migration 0006), by SHA-256 of the token. */
export interface ChallengeAliasesTable {
  token_hash: string;
  tenant_id: number;
  account_id: number;
  challenge_hash: string;
  created_at: Timestamp;
}

/** Guest chains that came back or were revoked (migration 0007); a new guest has no row. */
export interface GuestChainsTable {
  id: string;
  tenant_id: number;
  ends_at: Timestamp;
  revoked_at: Timestamp | null;
  revoke_reason: string | null;
}

/** Spent guest refresh tokens, unique per chain (migration 0007). */
export interface GuestSpentTokensTable {
  chain_id: string;
  token_id: string;
  spent_at: Timestamp;
}

/** Support-console staff (migration 0010). */
export interface OperatorsTable {
  id: Generated<number>;
  tenant_id: number;
  email: string;
  role: 'support' | 'admin';
  password_hash: string;
  /** sealed (store/sealer.ts) under the name `operator-totp:<id>`; null: no second factor */
  totp_secret: string | null;
  totp_last_step: ColumnType<string | null, number | null, number | null>;
  disabled: Generated<boolean>;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
  last_login_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Console sessions by SHA-256 of the cookie (migration 0010). */
export interface ConsoleSessionsTable {
  id_hash: string;
  operator_id: number;
  stage: 'totp' | 'full';
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export interface Database {
  accounts: AccountsTable;
  sessions: SessionsTable;
  access_tokens: AccessTokensTable;
  refresh_tokens: RefreshTokensTable;
  apps: AppsTable;
  app_refresh_tokens: AppRefreshTokensTable;
  signing_keys: SigningKeysTable;
  server_secrets: ServerSecretsTable;
  auth_events: AuthEventsTable;
  password_resets: PasswordResetsTable;
  verification_codes: VerificationCodesTable;
  known_devices: KnownDevicesTable;
  code_sends: CodeSendsTable;
  challenge_aliases: ChallengeAliasesTable;
  guest_chains: GuestChainsTable;
  guest_spent_tokens: GuestSpentTokensTable;
  operators: OperatorsTable;
  console_sessions: ConsoleSessionsTable;
}
