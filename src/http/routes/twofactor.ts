import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../domain/clock.ts';
import type { CodeLoginService } from '../../domain/twofactor/code-login.ts';
import { callContext } from '../context.ts';
import { errorResponses, ResponseFieldsQuery } from '../schemas/common.ts';
import { AuthTicket2FAInfo, AuthTicketOtpInfo, NoBody, OtpRequest, TwoFactorRequest } from '../schemas/twofactor.ts';
import { shapeTicket } from '../shapes/ticket.ts';

const Ticket = Type.Ref('CustomerAuthTicket');
const base = '/api/commerce/customer/authtickets';
const tags = ['authtickets'];
/**
 * The challenge token a password login answered, as the SDK sends it: x-vol-user-claims (an
 * opaque value, not a JWT). Read raw here: the credentials plugin only knows session tokens, so it
 * reports it as an invalid shopper, which these routes do not need.
 */
function challengeToken(req: FastifyRequest): string | undefined {
  const v = req.headers['x-vol-user-claims'];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s && !s.includes('.') && s.length <= 200 ? s : undefined;
}

/** Email two-factor and one-time-code login (CONTRACT §4, §5). */
export const twoFactorRoutes: FastifyPluginAsyncTypebox<{ codeLogin: CodeLoginService; clock: Clock }> = async (
  app,
  { codeLogin, clock },
) => {
  app.post(
    `${base}/2fa/request`,
    {
      schema: {
        tags,
        summary: 'Email a new 2FA code for a pending login (challenge token in x-vol-user-claims, or {userId})',
        querystring: ResponseFieldsQuery,
        body: TwoFactorRequest,
        response: { 200: NoBody, ...errorResponses },
      },
      config: { auth: 'app', limit: 'codes' },
      // The SDK's POST has no body at all (content-length 0, no content type): validate it as {}.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
    },
    async (req, reply) => {
      await codeLogin.request2fa(await callContext(req), {
        challengeToken: challengeToken(req),
        userId: req.body.userId,
      });
      return reply.status(200).send('');
    },
  );

  app.post(
    `${base}/2fa/auth`,
    {
      schema: {
        tags,
        summary: 'Finish a 2FA login with the emailed code',
        querystring: ResponseFieldsQuery,
        body: AuthTicket2FAInfo,
        response: { 200: Ticket, ...errorResponses },
      },
      config: { auth: 'app', limit: 'codes' },
    },
    async (req) => {
      const ticket = await codeLogin.auth2fa(
        await callContext(req),
        { challengeToken: challengeToken(req), userId: req.body.userId },
        req.body.otpCode,
      );
      return shapeTicket(ticket, clock.now());
    },
  );

  app.post(
    `${base}/otp/request`,
    {
      schema: {
        tags,
        summary: 'Email a one-time login code (the same answer whether or not the email has an account)',
        querystring: ResponseFieldsQuery,
        body: OtpRequest,
        response: { 200: NoBody, ...errorResponses },
      },
      config: { auth: 'app', limit: 'codes' },
    },
    async (req, reply) => {
      await codeLogin.requestOtp(await callContext(req), req.body.email);
      return reply.status(200).send('');
    },
  );

  app.post(
    `${base}/otp/auth`,
    {
      schema: {
        tags,
        summary: 'Log in with an emailed one-time code',
        querystring: ResponseFieldsQuery,
        body: AuthTicketOtpInfo,
        response: { 200: Ticket, ...errorResponses },
      },
      config: { auth: 'app', limit: 'codes' },
    },
    async (req) => shapeTicket(await codeLogin.authOtp(await callContext(req), req.body), clock.now()),
  );
};
