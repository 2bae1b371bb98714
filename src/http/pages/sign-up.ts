import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { StorefrontApi } from './storefront-api.ts';
import { readShopper } from './cookies.ts';
import { visitorOf } from './session.ts';
import { messageFor } from './messages.ts';
import { FORM, render } from './render.ts';
import { signedIn } from './sign-in.ts';

const SignUpForm = Type.Object({
  emailAddress: Type.String({ minLength: 1, maxLength: 320 }),
  userName: Type.Optional(Type.String({ maxLength: 320 })),
  firstName: Type.Optional(Type.String({ maxLength: 100 })),
  lastName: Type.Optional(Type.String({ maxLength: 100 })),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
  _csrf: Type.Optional(Type.String()),
});

/** Sign up: Add-Account-And-Login, which answers a ticket like a sign-in. */
export function signUpRoutes(app: FastifyInstance, api: StorefrontApi): void {
  app.get('/sign-up', FORM, async (request, reply) => {
    if (readShopper(request)) return reply.redirect('/account/me', 303);
    return render(request, reply, 'sign-up');
  });

  app.post<{ Body: Static<typeof SignUpForm> }>(
    '/sign-up',
    { schema: { hide: true, body: SignUpForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const { emailAddress, userName, firstName, lastName, password } = request.body;
      const account = {
        emailAddress: emailAddress.trim(),
        // Without a user name of their own, the shopper signs in with their email.
        userName: userName?.trim() || emailAddress.trim(),
        ...(firstName?.trim() ? { firstName: firstName.trim() } : {}),
        ...(lastName?.trim() ? { lastName: lastName.trim() } : {}),
      };
      try {
        return signedIn(
          request,
          reply,
          await api.signUp(request.pageSite!.site, visitorOf(request), account, password),
        );
      } catch (err) {
        const error = messageFor(err);
        if (!error) throw err;
        return render(request, reply.code(400), 'sign-up', { error, ...account, userName: userName ?? '' });
      }
    },
  );
}
