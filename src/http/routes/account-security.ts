import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccountSecurity } from '../../domain/accounts/security.ts';
import { toAuditEntry, type LoginState } from '../../domain/accounts/security.ts';
import { callContext } from '../context.ts';
import { AccountId, errorResponses, Nullable, ResponseFieldsQuery } from '../schemas/common.ts';
import { MANAGE } from '../../config/schema.ts';

const base = '/api/commerce/customer/accounts';
const tags = ['accounts'];
const IdParams = Type.Object({ accountId: AccountId });
const NStr = (max: number) => Type.Optional(Nullable(Type.String({ maxLength: max })));
const Empty = Type.Null({ description: 'Empty body' });

const LoginStateSchema = Type.Object(
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

const CustomerPasswordInfo = Type.Object(
  {
    oldPassword: NStr(1024),
    newPassword: NStr(1024),
    externalPassword: NStr(1024),
  },
  { title: 'CustomerPasswordInfo' },
);

const CustomerResetPasswordInfo = Type.Object(
  {
    emailAddress: NStr(320),
    userName: NStr(320),
    customerSetCode: NStr(100),
  },
  { title: 'CustomerResetPasswordInfo' },
);

const ConfirmationInfo = Type.Object(
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

const CustomerAuditEntryCollection = Type.Object(
  {
    startIndex: Type.Integer(),
    pageSize: Type.Integer(),
    pageCount: Type.Integer(),
    totalCount: Type.Integer(),
    items: Type.Array(CustomerAuditEntry),
  },
  { title: 'CustomerAuditEntryCollection' },
);

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const wireState = (s: LoginState) => ({
  ...s,
  firstFailedLoginAttemptOn: iso(s.firstFailedLoginAttemptOn),
  lastLockedOn: iso(s.lastLockedOn),
  lastLoginOn: iso(s.lastLoginOn),
  lastPasswordChangeOn: iso(s.lastPasswordChangeOn),
  createdOn: iso(s.createdOn),
  updatedOn: iso(s.updatedOn),
});

/**
 * The security side of accounts (CONTRACT §6): login state, lock, forced password change, password
 * change and reset, and the audit log.
 */
export const accountSecurityRoutes: FastifyPluginAsyncTypebox<{ security: AccountSecurity }> = async (
  app,
  { security },
) => {
  const manage = { auth: 'app', behavior: MANAGE } as const;

  app.get(
    `${base}/:accountId(^\\d+)/loginstate`,
    {
      schema: {
        tags,
        summary: 'Login state of an account',
        params: IdParams,
        querystring: ResponseFieldsQuery,
        response: { 200: LoginStateSchema, ...errorResponses },
      },
      config: manage,
    },
    async (req) => wireState(await security.loginState(await callContext(req), { id: req.params.accountId })),
  );

  app.post(
    `${base}/loginstatebyemailaddress`,
    {
      schema: {
        tags,
        summary: 'Login state of the account with this email',
        querystring: Type.Object({
          emailAddress: Type.String({ minLength: 1, maxLength: 320 }),
          customerSetCode: Type.Optional(Type.String({ maxLength: 100 })),
          responseFields: Type.Optional(Type.String()),
        }),
        response: { 200: LoginStateSchema, ...errorResponses },
      },
      config: manage,
    },
    async (req) =>
      wireState(
        await security.loginState(await callContext(req), { email: req.query.emailAddress }, req.query.customerSetCode),
      ),
  );

  app.post(
    `${base}/loginstatebyusername`,
    {
      schema: {
        tags,
        summary: 'Login state of the account with this user name',
        querystring: Type.Object({
          userName: Type.String({ minLength: 1, maxLength: 320 }),
          customerSetCode: Type.Optional(Type.String({ maxLength: 100 })),
          responseFields: Type.Optional(Type.String()),
        }),
        response: { 200: LoginStateSchema, ...errorResponses },
      },
      config: manage,
    },
    async (req) =>
      wireState(
        await security.loginState(await callContext(req), { userName: req.query.userName }, req.query.customerSetCode),
      ),
  );

  app.post(
    `${base}/:accountId(^\\d+)/Set-Login-Locked`,
    {
      schema: {
        tags,
        summary: 'Lock (true) or unlock (false) the login of an account',
        params: IdParams,
        querystring: Type.Object({
          userId: Type.Optional(Type.String({ maxLength: 200 })),
          responseFields: Type.Optional(Type.String()),
        }),
        body: Type.Boolean(),
        response: { 200: Empty, ...errorResponses },
      },
      config: manage,
    },
    async (req, reply) => {
      await security.setLocked(await callContext(req), req.params.accountId, req.body);
      return reply.status(200).send(null);
    },
  );

  app.post(
    `${base}/:accountId(^\\d+)/Set-Password-Change-Required`,
    {
      schema: {
        tags,
        summary: 'Require (true) or stop requiring (false) a password change at the next login',
        params: IdParams,
        querystring: Type.Object({
          userId: Type.Optional(Type.String({ maxLength: 200 })),
          responseFields: Type.Optional(Type.String()),
        }),
        body: Type.Boolean(),
        response: { 200: Empty, ...errorResponses },
      },
      config: manage,
    },
    async (req, reply) => {
      await security.setPasswordChangeRequired(await callContext(req), req.params.accountId, req.body);
      return reply.status(200).send(null);
    },
  );

  app.post(
    `${base}/:accountId(^\\d+)/Change-Password`,
    {
      schema: {
        tags,
        summary:
          'Change the password (the shopper or a caller with the old password, or manage-accounts); ends every other login',
        params: IdParams,
        querystring: Type.Object({
          unlockAccount: Type.Optional(Type.Boolean()),
          userId: Type.Optional(Type.String({ maxLength: 200 })),
          responseFields: Type.Optional(Type.String()),
        }),
        body: CustomerPasswordInfo,
        response: { 200: Empty, ...errorResponses },
      },
      config: { auth: 'app', refuseImpersonation: true },
    },
    async (req, reply) => {
      await security.changePassword(await callContext(req), req.params.accountId, req.body, {
        unlock: req.query.unlockAccount,
      });
      return reply.status(200).send(null);
    },
  );

  app.post(
    `${base}/Reset-Password`,
    {
      schema: {
        tags,
        summary: 'Mail a password reset confirmation code (200 whether or not the account exists)',
        querystring: ResponseFieldsQuery,
        body: CustomerResetPasswordInfo,
        response: { 200: Empty, ...errorResponses },
      },
      config: { auth: 'app', limit: 'reset' },
    },
    async (req, reply) => {
      await security.requestReset(await callContext(req), req.body);
      return reply.status(200).send(null);
    },
  );

  app.post(
    `${base}/Update-Forgotten-Password`,
    {
      schema: {
        tags,
        summary: 'Set a new password with a reset confirmation code (single use, expires)',
        querystring: ResponseFieldsQuery,
        body: ConfirmationInfo,
        response: { 200: Empty, ...errorResponses },
      },
      config: { auth: 'app', limit: 'reset' },
    },
    async (req, reply) => {
      await security.completeReset(await callContext(req), req.body);
      return reply.status(200).send(null);
    },
  );

  app.get(
    `${base}/:accountId(^\\d+)/AuditLog/Entries`,
    {
      schema: {
        tags,
        summary: "A page of the account's auth events (newest first unless sortBy says otherwise)",
        params: IdParams,
        querystring: Type.Object({
          startIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          sortBy: Type.Optional(Type.String({ maxLength: 100 })),
          filter: Type.Optional(Type.String({ maxLength: 1000 })),
          responseFields: Type.Optional(Type.String()),
        }),
        response: { 200: CustomerAuditEntryCollection, ...errorResponses },
      },
      config: manage,
    },
    async (req) => {
      const page = await security.auditLog(await callContext(req), req.params.accountId, req.query);
      return {
        startIndex: page.startIndex,
        pageSize: page.pageSize,
        pageCount: page.pageCount,
        totalCount: page.totalCount,
        items: page.rows.map(toAuditEntry),
      };
    },
  );
};
