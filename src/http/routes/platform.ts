import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/load.ts';
import { APP_ACCESS_MINUTES, type AppTicket, type AppTicketService } from '../../domain/apps/tickets.ts';
import { KiboError } from '../../domain/errors.ts';
import { errorResponses, DateTime } from '../schemas/common.ts';

const OAuthRequest = Type.Object({
  client_id: Type.Optional(Type.String({ maxLength: 200 })),
  client_secret: Type.Optional(Type.String({ maxLength: 1000 })),
  grant_type: Type.Optional(Type.Union([Type.Literal('client_credentials'), Type.Literal('refresh_token')])),
  refresh_token: Type.Optional(Type.String({ maxLength: 200 })),
});
const OAuthResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
  refresh_token: Type.String(),
});
const AppAuthInfo = Type.Object({
  applicationId: Type.String({ minLength: 1, maxLength: 200 }),
  sharedSecret: Type.String({ minLength: 1, maxLength: 1000 }),
});
const AuthTicketSchema = Type.Object(
  {
    accessToken: Type.String(),
    accessTokenExpiration: DateTime,
    refreshToken: Type.String(),
    refreshTokenExpiration: DateTime,
  },
  { $id: 'AppAuthTicket', title: 'AppAuthTicket' },
);
const TenantSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  domain: Type.String(),
  sites: Type.Array(
    Type.Object({ id: Type.Integer(), tenantId: Type.Integer(), name: Type.String(), customerSet: Type.String() }),
  ),
  customerSets: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
});

const shape = (t: AppTicket) => ({
  accessToken: t.accessToken,
  accessTokenExpiration: t.accessTokenExpiration.toISOString(),
  refreshToken: t.refreshToken,
  refreshTokenExpiration: t.refreshTokenExpiration.toISOString(),
});

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
    async (req) => shape(await appTickets.authenticate(req.body.applicationId, req.body.sharedSecret)),
  );

  app.put(
    '/api/platform/applications/authtickets/refresh-ticket',
    {
      schema: {
        tags: ['platform'],
        summary: 'Refresh an application ticket',
        body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: AuthTicketSchema, ...errorResponses },
      },
    },
    async (req) => shape(await appTickets.refresh(req.body.refreshToken)),
  );

  app.delete(
    '/api/platform/applications/authtickets/:refreshToken',
    {
      schema: {
        tags: ['platform'],
        summary: 'Revoke an application refresh token',
        params: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 204: Type.Null(), ...errorResponses },
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
        params: Type.Object({ tenantId: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) }),
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
