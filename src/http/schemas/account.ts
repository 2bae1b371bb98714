import { Type, type Static } from '@sinclair/typebox';
import { AccountId, DateTime } from './common.ts';

const Str = (max = 1000) => Type.String({ maxLength: max });
const Opt = Type.Optional;
const NStr = (max = 1000) => Opt(Type.Union([Str(max), Type.Null()]));

export const AuditInfo = Type.Object({
  createBy: NStr(),
  createDate: NStr(),
  updateBy: NStr(),
  updateDate: NStr(),
});

export const Address = Type.Object({
  address1: NStr(),
  address2: NStr(),
  address3: NStr(),
  address4: NStr(),
  addressType: NStr(),
  cityOrTown: NStr(),
  countryCode: NStr(10),
  isValidated: Opt(Type.Boolean()),
  postalOrZipCode: NStr(50),
  stateOrProvince: NStr(),
});

export const Contact = Type.Object({
  id: Opt(Type.Integer()),
  accountId: Opt(Type.Integer()),
  address: Opt(Address),
  auditInfo: Opt(AuditInfo),
  companyOrOrganization: NStr(),
  email: NStr(320),
  faxNumber: NStr(50),
  firstName: NStr(),
  label: NStr(),
  lastNameOrSurname: NStr(),
  middleNameOrInitial: NStr(),
  phoneNumbers: Opt(Type.Object({ home: NStr(50), mobile: NStr(50), work: NStr(50) })),
  types: Opt(Type.Array(Type.Object({ isPrimary: Opt(Type.Boolean()), name: NStr() }), { maxItems: 20 })),
});

export const Attribute = Type.Object({
  attributeDefinitionId: Opt(Type.Integer()),
  fullyQualifiedName: NStr(),
  auditInfo: Opt(AuditInfo),
  values: Opt(
    Type.Array(Type.Union([Type.String({ maxLength: 4000 }), Type.Number(), Type.Boolean(), Type.Null()]), {
      maxItems: 100,
    }),
  ),
});

export const Note = Type.Object({ id: Opt(Type.Integer()), content: NStr(4000), auditInfo: Opt(AuditInfo) });

export const Segment = Type.Object({
  id: Opt(Type.Integer()),
  code: NStr(),
  name: NStr(),
  description: NStr(),
  auditInfo: Opt(AuditInfo),
});

export const CommerceSummary = Type.Object({
  lastOrderDate: NStr(),
  orderCount: Opt(Type.Integer()),
  visitsCount: Opt(Type.Integer()),
  wishlistCount: Opt(Type.Integer()),
  totalOrderAmount: Opt(Type.Object({ amount: Opt(Type.Number()), currencyCode: NStr(10) })),
});

/** The fields a caller may send for an account (server-owned ones are accepted and ignored). */
export const CustomerAccountInput = Type.Object({
  id: Opt(Type.Integer()),
  userId: NStr(),
  userName: NStr(254),
  emailAddress: NStr(320),
  firstName: NStr(),
  lastName: NStr(),
  localeCode: NStr(20),
  accountType: NStr(),
  companyOrOrganization: NStr(),
  customerSet: NStr(),
  customerSinceDate: NStr(),
  externalId: NStr(),
  taxExempt: Opt(Type.Boolean()),
  taxId: NStr(),
  acceptsMarketing: Opt(Type.Boolean()),
  hasExternalPassword: Opt(Type.Boolean()),
  isActive: Opt(Type.Boolean()),
  isAnonymous: Opt(Type.Boolean()),
  isLocked: Opt(Type.Boolean()),
  last2FaDate: NStr(),
  migrationRequired: Opt(Type.Boolean()),
  attributes: Opt(Type.Array(Attribute, { maxItems: 100 })),
  contacts: Opt(Type.Array(Contact, { maxItems: 50 })),
  notes: Opt(Type.Array(Note, { maxItems: 100 })),
  segments: Opt(Type.Array(Segment, { maxItems: 100 })),
  commerceSummary: Opt(CommerceSummary),
  auditInfo: Opt(AuditInfo),
});
export type CustomerAccountInput = Static<typeof CustomerAccountInput>;

export const CustomerAccount = Type.Object(
  {
    id: Type.Integer(),
    userId: Type.String(),
    userName: NStr(),
    emailAddress: NStr(),
    firstName: NStr(),
    lastName: NStr(),
    localeCode: NStr(),
    accountType: NStr(),
    companyOrOrganization: NStr(),
    customerSet: Type.String(),
    customerSinceDate: NStr(),
    externalId: NStr(),
    taxExempt: Type.Boolean(),
    taxId: NStr(),
    acceptsMarketing: Type.Boolean(),
    hasExternalPassword: Type.Boolean(),
    isActive: Type.Boolean(),
    isAnonymous: Type.Boolean(),
    isLocked: Type.Boolean(),
    last2FaDate: NStr(),
    migrationRequired: Type.Boolean(),
    attributes: Type.Array(Attribute),
    contacts: Type.Array(Contact),
    notes: Type.Array(Note),
    segments: Type.Array(Segment),
    commerceSummary: CommerceSummary,
    auditInfo: AuditInfo,
  },
  { $id: 'CustomerAccount', title: 'CustomerAccount' },
);
export type CustomerAccount = Static<typeof CustomerAccount>;

export const CustomerAccountCollection = Type.Object({
  startIndex: Type.Integer(),
  pageSize: Type.Integer(),
  pageCount: Type.Integer(),
  totalCount: Type.Integer(),
  items: Type.Array(Type.Ref('CustomerAccount')),
});

export const CustomerAuthTicket = Type.Object(
  {
    accessToken: Type.String(),
    accessTokenExpiration: DateTime,
    customerAccount: Opt(Type.Ref('CustomerAccount')),
    jwtAccessToken: Opt(Type.String()),
    refreshToken: Opt(Type.String()),
    refreshTokenExpiration: Opt(DateTime),
    requires2FA: Type.Boolean(),
    userId: Type.String(),
  },
  { $id: 'CustomerAuthTicket', title: 'CustomerAuthTicket' },
);

const TtlFields = {
  authTicketTtlMinutes: Opt(Type.Integer({ minimum: 1 })),
  refreshTokenTtlMinutes: Opt(Type.Integer({ minimum: 1 })),
};
const DeviceFields = { fingerprint: NStr(500), region: NStr(100) };
const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const CustomerUserAuthInfo = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 320 }),
  password: Password,
  accountId: Opt(AccountId),
  ...DeviceFields,
  ...TtlFields,
});

export const CustomerAccountAndAuthInfo = Type.Object({
  account: CustomerAccountInput,
  password: Opt(Password),
  externalPassword: Opt(Type.String({ maxLength: 1024 })),
  isImport: Opt(Type.Boolean()),
  ...DeviceFields,
  ...TtlFields,
});

export const CustomerLoginInfo = Type.Object({
  emailAddress: NStr(320),
  username: NStr(320),
  password: Opt(Password),
  externalPassword: Opt(Type.String({ maxLength: 1024 })),
  isImport: Opt(Type.Boolean()),
  ...DeviceFields,
  ...TtlFields,
});

export const CartAuthTicketRequest = Type.Object({
  cartId: Type.String({ minLength: 1, maxLength: 200 }),
  accountId: Opt(AccountId),
  userId: NStr(200),
});

/** List accounts: paging, sort, filter and a free-text search. */
export const AccountListQuery = Type.Object({
  startIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  sortBy: Type.Optional(Type.String({ maxLength: 100 })),
  filter: Type.Optional(Type.String({ maxLength: 1000 })),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  responseFields: Type.Optional(Type.String()),
});

/** Refresh: the refresh token, and the account it must belong to. */
export const RefreshQuery = Type.Object({
  refreshToken: Type.String({ minLength: 1, maxLength: 512 }),
  accountId: Type.Optional(AccountId),
  responseFields: Type.Optional(Type.String()),
});

/** Log out: the refresh token whose chain ends. */
export const LogoutQuery = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) });
