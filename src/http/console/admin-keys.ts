import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ConsoleAdmin } from '../../domain/admin/console-admin.ts';
import { KiboError } from '../../domain/errors.ts';
import { HIDDEN } from './hidden.ts';
import { actorOf, fmtTime, pageBase } from './admin-access.ts';

const KidParams = Type.Object({ kid: Type.String({ minLength: 1, maxLength: 100 }) });
const OptionForm = Type.Object({
  _csrf: Type.Optional(Type.String()),
  now: Type.Optional(Type.Literal('on')),
  dropNow: Type.Optional(Type.Literal('on')),
});
const DoneQuery = Type.Object({
  done: Type.Optional(Type.Union([Type.Literal('rotated'), Type.Literal('retired')])),
  kid: Type.Optional(Type.String({ maxLength: 100 })),
});

const STATE_TEXT = {
  next: 'next (published, not signing yet)',
  active: 'active (signing)',
  retired: 'retired (verifying only)',
  expired: 'expired (unpublished)',
} as const;

/** The service's signing keys (shared by every tenant): list, rotate, retire, as `keys` in the CLI. */
export function adminKeyRoutes(app: FastifyInstance, admin: ConsoleAdmin): void {
  app.get<{ Querystring: Static<typeof DoneQuery> }>(
    '/keys',
    { schema: { hide: true, querystring: DoneQuery } },
    async (request, reply) => {
      const keys = (await admin.listKeys()).reverse().map((k) => ({
        kid: k.kid,
        state: STATE_TEXT[k.state],
        retirable: k.state === 'next' || k.state === 'active' || k.state === 'retired',
        createdAt: fmtTime(k.createdAt),
        activatesAt: fmtTime(k.activatesAt),
        retiredAt: fmtTime(k.retiredAt),
        expiresAt: fmtTime(k.expiresAt),
      }));
      const { done, kid } = request.query;
      // Only a kid that is in the list is echoed back.
      const known = kid && keys.some((k) => k.kid === kid) ? kid : null;
      return reply.view('admin-keys', {
        ...pageBase(request, reply),
        keys,
        done:
          done === 'rotated'
            ? `New key ${known ?? ''} made and published.`
            : done === 'retired'
              ? `Key ${known ?? ''} retired.`
              : null,
      });
    },
  );

  app.get('/keys/rotate', HIDDEN, async (request, reply) =>
    reply.view('admin-confirm', {
      ...pageBase(request, reply),
      title: 'Rotate the signing key',
      question:
        'Make a new signing key? It is published in the JWKS now and signs once the publish-ahead time has passed; the current key then retires, verifying its tokens until they expire.',
      action: '/console/admin/keys/rotate',
      option: {
        name: 'now',
        label:
          'Sign with the new key at once (an emergency: verifiers that cached the JWKS may refuse its tokens for a while)',
      },
      button: 'Confirm: rotate the key',
      cancel: '/console/admin/keys',
    }),
  );

  app.post<{ Body: Static<typeof OptionForm> }>(
    '/keys/rotate',
    { schema: { hide: true, body: OptionForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const k = await admin.rotateKey(actorOf(request), request.body.now === 'on');
      return reply.redirect(`/console/admin/keys?done=rotated&kid=${encodeURIComponent(k.kid)}`, 303);
    },
  );

  app.get<{ Params: Static<typeof KidParams> }>(
    '/keys/:kid/retire',
    { schema: { hide: true, params: KidParams } },
    async (request, reply) => {
      const key = (await admin.listKeys()).find((k) => k.kid === request.params.kid);
      if (!key) throw new KiboError('ITEM_NOT_FOUND', 'No such key.');
      return reply.view('admin-confirm', {
        ...pageBase(request, reply),
        title: `Retire key ${key.kid}`,
        question:
          'Stop this key signing? It stays published until every token it signed has expired. The only key that signs cannot be retired: rotate first.',
        action: `/console/admin/keys/${encodeURIComponent(key.kid)}/retire`,
        option: { name: 'dropNow', label: 'Unpublish it at once: its tokens stop verifying (a leaked key)' },
        button: 'Confirm: retire the key',
        cancel: '/console/admin/keys',
      });
    },
  );

  app.post<{ Params: Static<typeof KidParams>; Body: Static<typeof OptionForm> }>(
    '/keys/:kid/retire',
    { schema: { hide: true, params: KidParams, body: OptionForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const k = await admin.retireKey(actorOf(request), request.params.kid, request.body.dropNow === 'on');
      return reply.redirect(`/console/admin/keys?done=retired&kid=${encodeURIComponent(k.kid)}`, 303);
    },
  );
}
