import { Type, type Static } from '@sinclair/typebox';

/**
 * The shape of CONFIG_FILE (CONTRACT §9). Every option is documented in docs/configuration.md next
 * to its default; the defaults themselves live in defaults.ts.
 */
const Int = (min: number, max: number) => Type.Integer({ minimum: min, maximum: max });

const TwoFactorSchema = Type.Object(
  { always: Type.Boolean(), onNewFingerprint: Type.Boolean(), onNewRegion: Type.Boolean() },
  { additionalProperties: false },
);
const OtpLoginSchema = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });
const LockoutSchema = Type.Object(
  { maxAttempts: Int(1, 1000), lockMinutes: Int(1, 525600) },
  { additionalProperties: false },
);
const PasswordRulesSchema = Type.Object(
  {
    minLength: Int(1, 1024),
    requireLetter: Type.Optional(Type.Boolean()),
    requireDigit: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const LoginSettingsSchema = Type.Object(
  { twoFactor: TwoFactorSchema, otpLogin: OtpLoginSchema, lockout: LockoutSchema, password: PasswordRulesSchema },
  { additionalProperties: false },
);

/** A site's `login` as written in CONFIG_FILE: any section, any field of it; the rest from the defaults. */
const SiteLoginSchema = Type.Object(
  {
    twoFactor: Type.Optional(Type.Partial(TwoFactorSchema, { additionalProperties: false })),
    otpLogin: Type.Optional(Type.Partial(OtpLoginSchema, { additionalProperties: false })),
    lockout: Type.Optional(Type.Partial(LockoutSchema, { additionalProperties: false })),
    password: Type.Optional(Type.Partial(PasswordRulesSchema, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const SiteSchema = Type.Object(
  {
    id: Int(1, 2 ** 31 - 1),
    name: Type.String({ minLength: 1 }),
    customerSet: Type.String({ minLength: 1 }),
    login: Type.Optional(SiteLoginSchema),
  },
  { additionalProperties: false },
);

export const TokenSettingsSchema = Type.Object(
  {
    accessMinutes: Int(1, 525600),
    refreshMinutes: Int(1, 5256000),
    maxAccessMinutes: Int(1, 525600),
    maxRefreshMinutes: Int(1, 5256000),
  },
  { additionalProperties: false },
);

export const TenantSchema = Type.Object(
  {
    id: Int(1, 2 ** 31 - 1),
    name: Type.String({ minLength: 1 }),
    domain: Type.Optional(Type.String()),
    customerSets: Type.Array(
      Type.Object({ code: Type.String({ minLength: 1 }), name: Type.String() }, { additionalProperties: false }),
      { minItems: 1 },
    ),
    sites: Type.Array(SiteSchema, { minItems: 1 }),
    tokens: Type.Optional(Type.Partial(TokenSettingsSchema)),
  },
  { additionalProperties: false },
);

export const Behaviors = [
  'customer-auth:configure-token-durations',
  'customer-auth:impersonate-cart',
  'customer:manage-accounts',
] as const;
export type Behavior = (typeof Behaviors)[number];

export const AppSchema = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 200 }),
    clientSecret: Type.String({ minLength: 1, maxLength: 1000 }),
    tenantId: Int(1, 2 ** 31 - 1),
    behaviors: Type.Array(Type.Union(Behaviors.map((b) => Type.Literal(b)))),
  },
  { additionalProperties: false },
);

/** One rate-limited group of routes: requests allowed per window, per client IP and per target account. */
export const RateLimitRuleSchema = Type.Object(
  {
    perIp: Int(1, 1_000_000),
    perAccount: Int(1, 1_000_000),
    windowSeconds: Int(1, 86400),
  },
  { additionalProperties: false },
);

export const RateLimitGroups = ['login', 'signup', 'codes', 'reset', 'appLogin'] as const;
export type RateLimitGroup = (typeof RateLimitGroups)[number];

export const RateLimitsSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    login: Type.Optional(Type.Partial(RateLimitRuleSchema)),
    signup: Type.Optional(Type.Partial(RateLimitRuleSchema)),
    codes: Type.Optional(Type.Partial(RateLimitRuleSchema)),
    reset: Type.Optional(Type.Partial(RateLimitRuleSchema)),
    appLogin: Type.Optional(Type.Partial(RateLimitRuleSchema)),
  },
  { additionalProperties: false },
);

/**
 * Signing-key rotation: every `rotateDays` (0: never) a new key is published `publishAheadMinutes`
 * before it signs — at least 6 minutes, so that every instance (which reads the keys every minute)
 * and every verifier caching the JWKS (5 minutes) knows it first.
 */
export const KeysSchema = Type.Object(
  { rotateDays: Type.Optional(Int(0, 3650)), publishAheadMinutes: Type.Optional(Int(6, 43200)) },
  { additionalProperties: false },
);

export const ConfigFileSchema = Type.Object(
  {
    tenants: Type.Array(TenantSchema, { minItems: 1 }),
    apps: Type.Array(AppSchema),
    passwords: Type.Optional(
      Type.Object(
        {
          argon2: Type.Optional(
            Type.Object(
              {
                memoryCost: Int(1024, 4 * 1024 * 1024),
                timeCost: Int(1, 100),
                parallelism: Int(1, 16),
              },
              { additionalProperties: false },
            ),
          ),
          hashThreads: Type.Optional(Int(1, 64)),
          hashNice: Type.Optional(Int(0, 19)),
        },
        { additionalProperties: false },
      ),
    ),
    rateLimits: Type.Optional(RateLimitsSchema),
    keys: Type.Optional(KeysSchema),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;
export type AppConfigInput = Static<typeof AppSchema>;
export type LoginSettings = Static<typeof LoginSettingsSchema>;
export type SiteLogin = Static<typeof SiteLoginSchema>;
export type TokenSettings = Static<typeof TokenSettingsSchema>;
export type RateLimitRule = Static<typeof RateLimitRuleSchema>;
