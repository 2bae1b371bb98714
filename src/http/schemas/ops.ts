/** The models of health, readiness and the JWKS (CONTRACT §8). */
import { Type } from '@sinclair/typebox';

export const Status = Type.Object({ status: Type.String() });
const CheckState = Type.Union([Type.Literal('ok'), Type.Literal('down')]);
export const Ready = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], {
    description: 'ok, or degraded when a configured Redis or SMTP server does not answer',
  }),
  checks: Type.Object({
    database: CheckState,
    redis: Type.Optional(CheckState),
    smtp: Type.Optional(CheckState),
  }),
});
const Jwk = Type.Object({
  kty: Type.String(),
  kid: Type.String(),
  alg: Type.String(),
  use: Type.String(),
  crv: Type.Optional(Type.String()),
  x: Type.Optional(Type.String()),
  y: Type.Optional(Type.String()),
});

/** The JWKS: the public keys shopper JWTs are signed with. */
export const JwkSet = Type.Object({ keys: Type.Array(Jwk) });
