import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../../domain/clock.ts';
import type { AccountService } from '../../domain/accounts/service.ts';
import { toCustomerAccount } from '../shapes/account.ts';
import { callContext } from '../context.ts';
import { requireBehavior, requireShopper } from '../plugins/credentials.ts';
import { AccountIdParams, errorResponses, NoContent, ResponseFieldsQuery } from '../schemas/common.ts';
import { MANAGE } from '../../config/schema.ts';
import {
  AccountListQuery,
  CustomerAccountAndAuthInfo,
  CustomerAccountCollection,
  CustomerAccountInput,
  CustomerLoginInfo,
} from '../schemas/account.ts';
import { shapeTicket } from '../shapes/ticket.ts';

const base = '/api/commerce/customer/accounts';
const tags = ['accounts'];
const Account = Type.Ref('CustomerAccount');
const Ticket = Type.Ref('CustomerAuthTicket');

/** Customer account routes (CONTRACT §6): create, read, update, delete, list, current, Create-Login. */
export const accountRoutes: FastifyPluginAsyncTypebox<{ accounts: AccountService; clock: Clock }> = async (
  app,
  { accounts, clock },
) => {
  const wire = (row: Parameters<typeof toCustomerAccount>[0]) => toCustomerAccount(row, clock.now());

  app.post(
    `${base}/Add-Account-And-Login`,
    {
      schema: {
        tags,
        summary: 'Create an account and log it in',
        querystring: ResponseFieldsQuery,
        body: CustomerAccountAndAuthInfo,
        response: { 200: Ticket, ...errorResponses },
      },
      config: { auth: 'app', limit: 'signup' },
    },
    async (req) => shapeTicket(await accounts.addAndLogin(await callContext(req), req.body), clock.now()),
  );

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Add an account without a login',
        querystring: ResponseFieldsQuery,
        body: CustomerAccountInput,
        response: { 200: Account, ...errorResponses },
      },
      config: { auth: 'app', behavior: MANAGE },
    },
    async (req) => wire(await accounts.add(await callContext(req), req.body)),
  );

  app.get(
    base,
    {
      schema: {
        tags,
        summary: 'List accounts',
        querystring: AccountListQuery,
        response: { 200: CustomerAccountCollection, ...errorResponses },
      },
      config: { auth: 'app', behavior: MANAGE },
    },
    async (req) => {
      const page = await accounts.list(await callContext(req), req.query);
      return {
        startIndex: page.startIndex,
        pageSize: page.pageSize,
        pageCount: page.pageCount,
        totalCount: page.totalCount,
        items: page.rows.map(wire),
      };
    },
  );

  app.get(
    `${base}/current`,
    {
      schema: {
        tags,
        summary: "The calling shopper's account",
        querystring: ResponseFieldsQuery,
        response: { 200: Account, ...errorResponses },
      },
      config: { auth: 'shopper' },
    },
    async (req) => {
      const ctx = await callContext(req);
      return wire(await accounts.current(ctx, requireShopper(await req.caller())));
    },
  );

  app.get(
    `${base}/:accountId(^\\d+)`,
    {
      schema: {
        tags,
        summary: 'An account (manage-accounts, or the shopper for their own)',
        params: AccountIdParams,
        querystring: ResponseFieldsQuery,
        response: { 200: Account, ...errorResponses },
      },
      config: { auth: 'app' },
    },
    async (req) => {
      const caller = await req.caller();
      if (caller.shopper?.accountId !== req.params.accountId || caller.shopper.anonymous)
        requireBehavior(caller, MANAGE);
      return wire(await accounts.get(await callContext(req), req.params.accountId));
    },
  );

  app.put(
    `${base}/:accountId(^\\d+)`,
    {
      schema: {
        tags,
        summary: 'Update an account',
        params: AccountIdParams,
        querystring: ResponseFieldsQuery,
        body: CustomerAccountInput,
        response: { 200: Account, ...errorResponses },
      },
      config: { auth: 'app', behavior: MANAGE, refuseImpersonation: true },
    },
    async (req) => wire(await accounts.update(await callContext(req), req.params.accountId, req.body)),
  );

  app.delete(
    `${base}/:accountId(^\\d+)`,
    {
      schema: {
        tags,
        summary: 'Delete an account and revoke its tokens',
        params: AccountIdParams,
        response: { 204: NoContent, ...errorResponses },
      },
      config: { auth: 'app', behavior: MANAGE, refuseImpersonation: true },
    },
    async (req, reply) => {
      await accounts.remove(await callContext(req), req.params.accountId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${base}/:accountId(^\\d+)/Create-Login`,
    {
      schema: {
        tags,
        summary: 'Give an account a login and log it in',
        params: AccountIdParams,
        querystring: ResponseFieldsQuery,
        body: CustomerLoginInfo,
        response: { 200: Ticket, ...errorResponses },
      },
      config: { auth: 'app', behavior: MANAGE, refuseImpersonation: true },
    },
    async (req) =>
      shapeTicket(await accounts.createLogin(await callContext(req), req.params.accountId, req.body), clock.now()),
  );
};
