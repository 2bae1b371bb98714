import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LoginStates } from '../../domain/accounts/login-state.ts';
import type { PasswordChanger } from '../../domain/passwords/change.ts';
import type { PasswordReset } from '../../domain/passwords/reset.ts';
import type { AuditLog } from '../../domain/audit/query.ts';
import { callContext } from '../context.ts';
import { AccountIdParams, errorResponses, ResponseFieldsQuery } from '../schemas/common.ts';
import {
  AuditLogQuery,
  ChangePasswordQuery,
  ConfirmationInfo,
  CustomerAuditEntryCollection,
  CustomerPasswordInfo,
  CustomerResetPasswordInfo,
  Empty,
  FlagBody,
  LoginStateByEmailQuery,
  LoginStateByUserNameQuery,
  LoginStateSchema,
  SetLoginLockedQuery,
  SetPasswordChangeRequiredQuery,
} from '../schemas/security.ts';
import { toAuditEntry } from '../shapes/audit.ts';
import { toWireLoginState } from '../shapes/login-state.ts';
import { MANAGE } from '../../config/schema.ts';

const base = '/api/commerce/customer/accounts';
const tags = ['accounts'];
/**
 * The security side of accounts (CONTRACT §6): login state, lock, forced password change, password
 * change and reset, and the audit log.
 */
export const accountSecurityRoutes: FastifyPluginAsyncTypebox<{
  loginStates: LoginStates;
  passwordChange: PasswordChanger;
  passwordReset: PasswordReset;
  auditLog: AuditLog;
}> = async (app, { loginStates, passwordChange, passwordReset, auditLog }) => {
  const manage = { auth: 'app', behavior: MANAGE } as const;

  app.get(
    `${base}/:accountId(^\\d+)/loginstate`,
    {
      schema: {
        tags,
        summary: 'Login state of an account',
        params: AccountIdParams,
        querystring: ResponseFieldsQuery,
        response: { 200: LoginStateSchema, ...errorResponses },
      },
      config: manage,
    },
    async (req) => toWireLoginState(await loginStates.loginState(await callContext(req), { id: req.params.accountId })),
  );

  app.post(
    `${base}/loginstatebyemailaddress`,
    {
      schema: {
        tags,
        summary: 'Login state of the account with this email',
        querystring: LoginStateByEmailQuery,
        response: { 200: LoginStateSchema, ...errorResponses },
      },
      config: manage,
    },
    async (req) =>
      toWireLoginState(
        await loginStates.loginState(
          await callContext(req),
          { email: req.query.emailAddress },
          req.query.customerSetCode,
        ),
      ),
  );

  app.post(
    `${base}/loginstatebyusername`,
    {
      schema: {
        tags,
        summary: 'Login state of the account with this user name',
        querystring: LoginStateByUserNameQuery,
        response: { 200: LoginStateSchema, ...errorResponses },
      },
      config: manage,
    },
    async (req) =>
      toWireLoginState(
        await loginStates.loginState(
          await callContext(req),
          { userName: req.query.userName },
          req.query.customerSetCode,
        ),
      ),
  );

  app.post(
    `${base}/:accountId(^\\d+)/Set-Login-Locked`,
    {
      schema: {
        tags,
        summary: 'Lock (true) or unlock (false) the login of an account',
        params: AccountIdParams,
        querystring: SetLoginLockedQuery,
        body: FlagBody,
        response: { 200: Empty, ...errorResponses },
      },
      config: manage,
    },
    async (req, reply) => {
      await loginStates.setLocked(await callContext(req), req.params.accountId, req.body);
      return reply.status(200).send(null);
    },
  );

  app.post(
    `${base}/:accountId(^\\d+)/Set-Password-Change-Required`,
    {
      schema: {
        tags,
        summary: 'Require (true) or stop requiring (false) a password change at the next login',
        params: AccountIdParams,
        querystring: SetPasswordChangeRequiredQuery,
        body: FlagBody,
        response: { 200: Empty, ...errorResponses },
      },
      config: manage,
    },
    async (req, reply) => {
      await loginStates.setPasswordChangeRequired(await callContext(req), req.params.accountId, req.body);
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
        params: AccountIdParams,
        querystring: ChangePasswordQuery,
        body: CustomerPasswordInfo,
        response: { 200: Empty, ...errorResponses },
      },
      config: { auth: 'app', refuseImpersonation: true },
    },
    async (req, reply) => {
      await passwordChange.changePassword(await callContext(req), req.params.accountId, req.body, {
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
      await passwordReset.requestReset(await callContext(req), req.body);
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
      await passwordReset.completeReset(await callContext(req), req.body);
      return reply.status(200).send(null);
    },
  );

  app.get(
    `${base}/:accountId(^\\d+)/AuditLog/Entries`,
    {
      schema: {
        tags,
        summary: "A page of the account's auth events (newest first unless sortBy says otherwise)",
        params: AccountIdParams,
        querystring: AuditLogQuery,
        response: { 200: CustomerAuditEntryCollection, ...errorResponses },
      },
      config: manage,
    },
    async (req) => {
      const page = await auditLog.auditLog(await callContext(req), req.params.accountId, req.query);
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
