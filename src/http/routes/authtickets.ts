import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../../domain/clock.ts';
import type { TicketService } from '../../domain/tickets/service.ts';
import { callContext } from '../context.ts';
import { AccountId, errorResponses, ResponseFieldsQuery } from '../schemas/common.ts';
import { IMPERSONATE_CART } from '../../config/schema.ts';
import { CartAuthTicketRequest, CustomerUserAuthInfo } from '../schemas/account.ts';
import { shapeTicket } from './shape.ts';

const Ticket = Type.Ref('CustomerAuthTicket');
const base = '/api/commerce/customer/authtickets';
const tags = ['authtickets'];

/** Storefront Auth Ticket routes (CONTRACT §4). */
export const authTicketRoutes: FastifyPluginAsyncTypebox<{ tickets: TicketService; clock: Clock }> = async (
  app,
  { tickets, clock },
) => {
  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Log a shopper in with user name or email and password',
        querystring: ResponseFieldsQuery,
        body: CustomerUserAuthInfo,
        response: { 200: Ticket, ...errorResponses },
      },
      config: { auth: 'app', limit: 'login' },
    },
    async (req) => shapeTicket(await tickets.passwordLogin(await callContext(req), req.body), clock.now()),
  );

  app.put(
    `${base}/refresh`,
    {
      schema: {
        tags,
        summary: 'Rotate a refresh token for a new ticket',
        querystring: Type.Object({
          refreshToken: Type.String({ minLength: 1, maxLength: 512 }),
          accountId: Type.Optional(AccountId),
          responseFields: Type.Optional(Type.String()),
        }),
        response: { 200: Ticket, ...errorResponses },
      },
      config: { auth: 'app' },
    },
    async (req) =>
      shapeTicket(
        await tickets.refresh(await callContext(req), req.query.refreshToken, req.query.accountId),
        clock.now(),
      ),
  );

  app.get(
    `${base}/anonymousshopper`,
    {
      schema: {
        tags,
        summary: 'A ticket for a new anonymous shopper',
        querystring: ResponseFieldsQuery,
        response: { 200: Ticket, ...errorResponses },
      },
      config: { auth: 'app' },
    },
    async (req) => shapeTicket(await tickets.anonymous(await callContext(req)), clock.now()),
  );

  app.post(
    `${base}/impersonatecart`,
    {
      schema: {
        tags,
        summary: 'Act as a shopper for one cart (support staff)',
        querystring: ResponseFieldsQuery,
        body: CartAuthTicketRequest,
        response: { 200: Ticket, ...errorResponses },
      },
      config: { auth: 'app', behavior: IMPERSONATE_CART },
    },
    async (req) => shapeTicket(await tickets.impersonate(await callContext(req), req.body), clock.now()),
  );

  app.delete(
    base,
    {
      schema: {
        tags,
        summary: 'Log out: revoke the login chain of a refresh token',
        querystring: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
      config: { auth: 'app' },
    },
    async (req, reply) => {
      await tickets.logout(await callContext(req), req.query.refreshToken);
      return reply.status(204).send(null);
    },
  );
};
