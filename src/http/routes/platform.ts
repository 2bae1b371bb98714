import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/load.ts';
import { APP_ACCESS_MINUTES, type AppTicket, type AppTicketService } from '../../domain/apps/tickets.ts';
import { KiboError } from '../../domain/errors.ts';
import { errorResponses, NoContent } from '../schemas/common.ts';
import { shapeAppTicket } from '../shapes/app-ticket.ts';
import {
  AppAuthInfo,
  AppRefreshTicketBody,
  AppRefreshTokenParams,
  AuthTicketSchema,
  OAuthRequest,
  OAuthResponse,
  TenantIdParams,
  TenantSchema,
} from '../schemas/platform.ts';

/** Application authentication and the tenant lookup (CONTRACT §2). */
export const platformRoutes: FastifyPluginAsyncTypebox<{ config: Config; appTickets: AppTicketService }> = async (
  app,
  { config, appTickets },
) => {
  app.post(
    '/api/platform/applications/authtickets/oauth',
    {
      schema: {
        tags: ['platform'],
        summary: 'OAuth client credentials → app token',
        body: OAuthRequest,
        response: { 200: OAuthResponse, ...errorResponses },
      },
      config: { limit: 'appLogin' },
    },
    async (req) => {
      const b = req.body;
      let t: AppTicket;
      if (b.grant_type === 'refresh_token') {
        if (!b.refresh_token)
          throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'refresh_token is required', { field: 'refresh_token' });
        t = await appTickets.refresh(b.refresh_token);
      } else {
        if (!b.client_id || !b.client_secret)
          throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'client_id and client_secret are required', {
            field: b.client_id ? 'client_secret' : 'client_id',
          });
        t = await appTickets.authenticate(b.client_id, b.client_secret);
        // A client that re-authenticates with its old refresh token retires it.
        if (b.refresh_token) await appTickets.revoke(b.refresh_token);
      }
      return {
        access_token: t.accessToken,
        token_type: 'bearer' as const,
        expires_in: APP_ACCESS_MINUTES * 60,
        refresh_token: t.refreshToken,
      };
    },
  );

  app.post(
    '/api/platform/applications/authtickets',
    {
      schema: {
        tags: ['platform'],
        summary: 'Authenticate an application',
        body: AppAuthInfo,
        response: { 200: AuthTicketSchema, ...errorResponses },
      },
      config: { limit: 'appLogin' },
    },
    async (req) => shapeAppTicket(await appTickets.authenticate(req.body.applicationId, req.body.sharedSecret)),
  );

  app.put(
    '/api/platform/applications/authtickets/refresh-ticket',
    {
      schema: {
        tags: ['platform'],
        summary: 'Refresh an application ticket',
        body: AppRefreshTicketBody,
        response: { 200: AuthTicketSchema, ...errorResponses },
      },
    },
    async (req) => shapeAppTicket(await appTickets.refresh(req.body.refreshToken)),
  );

  app.delete(
    '/api/platform/applications/authtickets/:refreshToken',
    {
      schema: {
        tags: ['platform'],
        summary: 'Revoke an application refresh token',
        params: AppRefreshTokenParams,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (req, reply) => {
      await appTickets.revoke(req.params.refreshToken);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/platform/tenants/:tenantId',
    {
      schema: {
        tags: ['platform'],
        summary: 'A tenant with its sites',
        params: TenantIdParams,
        response: { 200: TenantSchema, ...errorResponses },
      },
      config: { auth: 'app' },
    },
    async (req) => {
      const caller = await req.caller();
      const tenant = config.tenants.find((t) => t.id === req.params.tenantId);
      if (!tenant || caller.app?.tenantId !== tenant.id)
        throw new KiboError('ITEM_NOT_FOUND', `Tenant ${req.params.tenantId} not found`);
      return {
        id: tenant.id,
        name: tenant.name,
        domain: tenant.domain,
        customerSets: [...tenant.customerSets],
        sites: tenant.sites.map((s) => ({ id: s.id, tenantId: tenant.id, name: s.name, customerSet: s.customerSet })),
      };
    },
  );
};
