/** The models of application authentication and the tenant lookup (CONTRACT §2). */
import { Type } from '@sinclair/typebox';
import { DateTime } from './common.ts';

export const OAuthRequest = Type.Object({
  client_id: Type.Optional(Type.String({ maxLength: 200 })),
  client_secret: Type.Optional(Type.String({ maxLength: 1000 })),
  grant_type: Type.Optional(Type.Union([Type.Literal('client_credentials'), Type.Literal('refresh_token')])),
  refresh_token: Type.Optional(Type.String({ maxLength: 512 })),
});
export const OAuthResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
  refresh_token: Type.String(),
});
export const AppAuthInfo = Type.Object({
  applicationId: Type.String({ minLength: 1, maxLength: 200 }),
  sharedSecret: Type.String({ minLength: 1, maxLength: 1000 }),
});
export const AuthTicketSchema = Type.Object(
  {
    accessToken: Type.String(),
    accessTokenExpiration: DateTime,
    refreshToken: Type.String(),
    refreshTokenExpiration: DateTime,
  },
  { $id: 'AppAuthTicket', title: 'AppAuthTicket' },
);
export const TenantSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  domain: Type.String(),
  sites: Type.Array(
    Type.Object({ id: Type.Integer(), tenantId: Type.Integer(), name: Type.String(), customerSet: Type.String() }),
  ),
  customerSets: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
});

/** The refresh token an app ticket refresh sends. */
export const AppRefreshTicketBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) });

/** The refresh token an app logout names. */
export const AppRefreshTokenParams = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) });

/** A tenant id (a PostgreSQL integer). */
export const TenantIdParams = Type.Object({ tenantId: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) });
