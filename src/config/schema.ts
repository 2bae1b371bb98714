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

// A mail's parts, each Liquid template text written inline (docs/configuration.md, `sites[].mail`).
const Template = Type.Optional(Type.String({ maxLength: 100_000 }));
const MailTemplateSchema = Type.Object(
  { subject: Template, text: Template, html: Template },
  { additionalProperties: false },
);
/** A site's `mail`: the reset page its reset mail links to, and its own templates (checked at load). */
const SiteMailSchema = Type.Object(
  {
    resetUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    templates: Type.Optional(
      Type.Object(
        {
          twoFactor: Type.Optional(MailTemplateSchema),
          otpLogin: Type.Optional(MailTemplateSchema),
          passwordReset: Type.Optional(MailTemplateSchema),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * A site's shopper pages at /account (docs/configuration.md, `sites[].pages`): on or off, the app
 * (of `apps[]`, same tenant) they call the API as, and the address shoppers reach them at.
 */
const SitePagesSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    publicUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const SiteSchema = Type.Object(
  {
    id: Int(1, 2 ** 31 - 1),
    name: Type.String({ minLength: 1 }),
    customerSet: Type.String({ minLength: 1 }),
    login: Type.Optional(SiteLoginSchema),
    mail: Type.Optional(SiteMailSchema),
    pages: Type.Optional(SitePagesSchema),
  },
  { additionalProperties: false },
);

export const TokenSettingsSchema = Type.Object(
  {
    accessMinutes: Int(1, 525600),
    refreshMinutes: Int(1, 5256000),
    maxAccessMinutes: Int(1, 525600),
    maxRefreshMinutes: Int(1, 5256000),
    /** an impersonation chain's absolute end after it is made; capped at 8 h (a support shift) */
    impersonationMinutes: Int(1, 480),
  },
  { additionalProperties: false },
);

/** Kibo's attribute data types, input types and value types (CommerceRuntimeAttribute). */
export const AttributeDataTypes = ['String', 'Number', 'Bool', 'DateTime'] as const;
export const AttributeInputTypes = ['TextBox', 'TextArea', 'List', 'YesNo', 'Date'] as const;
export const AttributeValueTypes = ['ShopperEntered', 'AdminEntered', 'Predefined'] as const;
// An ISO 8601 date (or date and time); checked to parse when the config loads.
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}' });
const Code = Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9_.-]+$' });
const LocalizedContent = Type.Object(
  { localeCode: Type.Optional(Type.String({ maxLength: 8 })), value: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

/** One customer account attribute definition (read by the attributedefinition routes, enforced on values). */
export const AttributeDefinitionSchema = Type.Object(
  {
    attributeCode: Code,
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.-]+$' })),
    adminName: Type.Optional(Type.String({ maxLength: 50 })),
    dataType: Type.Union(AttributeDataTypes.map((t) => Type.Literal(t))),
    inputType: Type.Optional(Type.Union(AttributeInputTypes.map((t) => Type.Literal(t)))),
    valueType: Type.Optional(Type.Union(AttributeValueTypes.map((t) => Type.Literal(t)))),
    isMultiValued: Type.Optional(Type.Boolean()),
    isRequired: Type.Optional(Type.Boolean()),
    isReadOnly: Type.Optional(Type.Boolean()),
    isVisible: Type.Optional(Type.Boolean()),
    isActive: Type.Optional(Type.Boolean()),
    displayGroup: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    order: Type.Optional(Int(0, 1_000_000)),
    content: Type.Optional(LocalizedContent),
    validation: Type.Optional(
      Type.Object(
        {
          regularExpression: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          minStringLength: Type.Optional(Int(0, 4000)),
          maxStringLength: Type.Optional(Int(0, 4000)),
          minNumericValue: Type.Optional(Type.Number()),
          maxNumericValue: Type.Optional(Type.Number()),
          minDateTime: Type.Optional(IsoDate),
          maxDateTime: Type.Optional(IsoDate),
        },
        { additionalProperties: false },
      ),
    ),
    vocabularyValues: Type.Optional(
      Type.Array(
        Type.Object(
          { value: Type.String({ minLength: 1, maxLength: 50 }), content: Type.Optional(LocalizedContent) },
          { additionalProperties: false },
        ),
        { maxItems: 500 },
      ),
    ),
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
    attributeDefinitions: Type.Optional(Type.Array(AttributeDefinitionSchema, { maxItems: 500 })),
  },
  { additionalProperties: false },
);

/** The behaviors an app may hold (Kibo's names), each written once, here. */
export const CONFIGURE_TOKEN_DURATIONS = 'customer-auth:configure-token-durations';
export const IMPERSONATE_CART = 'customer-auth:impersonate-cart';
export const MANAGE = 'customer:manage-accounts';
export const Behaviors = [CONFIGURE_TOKEN_DURATIONS, IMPERSONATE_CART, MANAGE] as const;
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

export const RateLimitGroups = ['login', 'signup', 'codes', 'reset', 'appLogin', 'accountData', 'console'] as const;
export type RateLimitGroup = (typeof RateLimitGroups)[number];

export const RateLimitsSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    login: Type.Optional(Type.Partial(RateLimitRuleSchema)),
    signup: Type.Optional(Type.Partial(RateLimitRuleSchema)),
    codes: Type.Optional(Type.Partial(RateLimitRuleSchema)),
    reset: Type.Optional(Type.Partial(RateLimitRuleSchema)),
    appLogin: Type.Optional(Type.Partial(RateLimitRuleSchema)),
    accountData: Type.Optional(Type.Partial(RateLimitRuleSchema)),
    console: Type.Optional(Type.Partial(RateLimitRuleSchema)),
  },
  { additionalProperties: false },
);

/** Data lifecycle (docs/configuration.md, "Retention"): what is kept how long, and how pruning runs. */
export const RetentionSchema = Type.Partial(
  Type.Object(
    {
      deviceDays: Int(1, 36500),
      auditDays: Int(0, 36500),
      intervalSeconds: Int(1, 86400),
      batchSize: Int(1, 10000),
      guestKeyDays: Int(1, 365),
    },
    { additionalProperties: false },
  ),
);
export type Retention = Required<Static<typeof RetentionSchema>>;

/**
 * Signing-key rotation: every `rotateDays` (0: never) a new key is published `publishAheadMinutes`
 * before it signs — at least 6 minutes, so that every instance (which reads the keys every minute)
 * and every verifier caching the JWKS (5 minutes) knows it first.
 */
export const KeysSchema = Type.Object(
  { rotateDays: Type.Optional(Int(0, 3650)), publishAheadMinutes: Type.Optional(Int(6, 43200)) },
  { additionalProperties: false },
);

/** The support console's sign-in and sessions (docs/configuration.md, "Support console"). */
export const ConsoleSchema = Type.Partial(
  Type.Object(
    {
      idleMinutes: Int(1, 1440),
      absoluteMinutes: Int(5, 43200),
      maxAttempts: Int(1, 100),
      lockMinutes: Int(1, 1440),
    },
    { additionalProperties: false },
  ),
);
export type ConsoleSettings = Required<Static<typeof ConsoleSchema>>;

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
    retention: Type.Optional(RetentionSchema),
    keys: Type.Optional(KeysSchema),
    console: Type.Optional(ConsoleSchema),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;
export type LoginSettings = Static<typeof LoginSettingsSchema>;
export type SiteLogin = Static<typeof SiteLoginSchema>;
export type SiteMailInput = Static<typeof SiteMailSchema>;
export type SitePagesInput = Static<typeof SitePagesSchema>;
export type TokenSettings = Static<typeof TokenSettingsSchema>;
export type RateLimitRule = Static<typeof RateLimitRuleSchema>;
export type AttributeDefinitionInput = Static<typeof AttributeDefinitionSchema>;
