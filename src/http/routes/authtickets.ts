import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../../domain/clock.ts';
import type { TicketService } from '../../domain/tickets/service.ts';
import { callContext } from '../context.ts';
import { errorResponses, NoContent, ResponseFieldsQuery } from '../schemas/common.ts';
import { IMPERSONATE_CART } from '../../config/schema.ts';
import { CartAuthTicketRequest, CustomerUserAuthInfo, LogoutQuery, RefreshQuery } from '../schemas/account.ts';
import { shapeTicket } from '../shapes/ticket.ts';

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
        querystring: RefreshQuery,
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
        querystring: LogoutQuery,
        response: { 204: NoContent, ...errorResponses },
      },
      config: { auth: 'app' },
    },
    async (req, reply) => {
      await tickets.logout(await callContext(req), req.query.refreshToken);
      return reply.status(204).send(null);
    },
  );
};
