/** The models of the account security routes (CONTRACT §6): login state, passwords, audit log. */
import { Type } from '@sinclair/typebox';
import { Nullable } from './common.ts';

const NStr = (max: number) => Type.Optional(Nullable(Type.String({ maxLength: max })));
export const Empty = Type.Null({ description: 'Empty body' });

export const LoginStateSchema = Type.Object(
  {
    isLocked: Type.Boolean(),
    isPasswordChangeRequired: Type.Boolean(),
    failedLoginAttemptCount: Type.Integer(),
    remainingLoginAttempts: Type.Integer(),
    firstFailedLoginAttemptOn: Nullable(Type.String()),
    lastLockedOn: Nullable(Type.String()),
    lastLoginOn: Nullable(Type.String()),
    lastPasswordChangeOn: Nullable(Type.String()),
    createdOn: Nullable(Type.String()),
    updatedOn: Nullable(Type.String()),
  },
  { title: 'LoginState' },
);

export const CustomerPasswordInfo = Type.Object(
  {
    oldPassword: NStr(1024),
    newPassword: NStr(1024),
    externalPassword: NStr(1024),
  },
  { title: 'CustomerPasswordInfo' },
);

export const CustomerResetPasswordInfo = Type.Object(
  {
    emailAddress: NStr(320),
    userName: NStr(320),
    customerSetCode: NStr(100),
  },
  { title: 'CustomerResetPasswordInfo' },
);

export const ConfirmationInfo = Type.Object(
  {
    userName: NStr(320),
    confirmationCode: NStr(200),
    newPassword: NStr(1024),
  },
  { title: 'ConfirmationInfo' },
);

const CustomerAuditEntry = Type.Object(
  {
    customerAuditEntryId: Type.Integer(),
    customerAccountId: Type.Integer(),
    entryDate: Type.String(),
    entryUser: Nullable(Type.String()),
    application: Nullable(Type.String()),
    site: Nullable(Type.String()),
    description: Type.String({
      description: 'The auth event type, e.g. login.succeeded, login.failed, password.changed',
    }),
    fieldPath: Nullable(Type.String()),
    oldValue: Nullable(Type.String()),
    newValue: Nullable(Type.String()),
    ipAddress: Nullable(Type.String({ description: 'Client IP of the request (extension)' })),
    userAgent: Nullable(Type.String({ description: 'User-Agent of the request (extension)' })),
    detail: Type.Record(Type.String(), Type.Unknown(), { description: 'Event details (extension)' }),
  },
  { title: 'CustomerAuditEntry' },
);

export const CustomerAuditEntryCollection = Type.Object(
  {
    startIndex: Type.Integer(),
    pageSize: Type.Integer(),
    pageCount: Type.Integer(),
    totalCount: Type.Integer(),
    items: Type.Array(CustomerAuditEntry),
  },
  { title: 'CustomerAuditEntryCollection' },
);

/** Login state by email address. */
export const LoginStateByEmailQuery = Type.Object({
  emailAddress: Type.String({ minLength: 1, maxLength: 320 }),
  customerSetCode: Type.Optional(Type.String({ maxLength: 100 })),
  responseFields: Type.Optional(Type.String()),
});

/** Login state by user name. */
export const LoginStateByUserNameQuery = Type.Object({
  userName: Type.String({ minLength: 1, maxLength: 320 }),
  customerSetCode: Type.Optional(Type.String({ maxLength: 100 })),
  responseFields: Type.Optional(Type.String()),
});

/** Set-Login-Locked (the SDK may name the user). */
export const SetLoginLockedQuery = Type.Object({
  userId: Type.Optional(Type.String({ maxLength: 200 })),
  responseFields: Type.Optional(Type.String()),
});

/** Set-Password-Change-Required (the SDK may name the user). */
export const SetPasswordChangeRequiredQuery = Type.Object({
  userId: Type.Optional(Type.String({ maxLength: 200 })),
  responseFields: Type.Optional(Type.String()),
});

/** Change-Password: an admin may unlock the account with it. */
export const ChangePasswordQuery = Type.Object({
  unlockAccount: Type.Optional(Type.Boolean()),
  userId: Type.Optional(Type.String({ maxLength: 200 })),
  responseFields: Type.Optional(Type.String()),
});

/** AuditLog/Entries: paging, sort and filter. */
export const AuditLogQuery = Type.Object({
  startIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  sortBy: Type.Optional(Type.String({ maxLength: 100 })),
  filter: Type.Optional(Type.String({ maxLength: 1000 })),
  responseFields: Type.Optional(Type.String()),
});

/** Set-Login-Locked's and Set-Password-Change-Required's body: true or false. */
export const FlagBody = Type.Boolean();
