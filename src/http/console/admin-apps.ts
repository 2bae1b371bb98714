import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { Behaviors } from '../../config/schema.ts';
import type { ConsoleAdmin } from '../../domain/admin/console-admin.ts';
import type { AppInfo } from '../../domain/apps/manage.ts';
import { KiboError } from '../../domain/errors.ts';
import { HIDDEN } from './hidden.ts';
import { actorOf, fmtTime, pageBase } from './admin-access.ts';

const ClientId = Type.String({ minLength: 1, maxLength: 200 });
const AppParams = Type.Object({ clientId: ClientId });
const ActionParams = Type.Object({
  clientId: ClientId,
  action: Type.Union([Type.Literal('rotate-secret'), Type.Literal('delete')]),
});
/** A checkbox per behavior, named by the behavior (the form parser keeps one value per name). */
const BehaviorsForm = Type.Object(
  { _csrf: Type.Optional(Type.String()), clientId: Type.Optional(Type.String({ maxLength: 300 })) },
  { additionalProperties: Type.String({ maxLength: 10 }) },
);
const DONE = {
  behaviors: "The app's behaviors are saved.",
  deleted: 'The app is deleted; its tokens no longer work.',
} as const;
const DoneQuery = Type.Object({
  done: Type.Optional(Type.Union(Object.keys(DONE).map((k) => Type.Literal(k as keyof typeof DONE)))),
});
const ACTION_TEXT = {
  'rotate-secret': {
    title: 'Rotate the secret',
    question:
      'Give this app a new secret? The old secret stops working at once, and so do its refresh tokens and the access tokens issued before now.',
  },
  delete: {
    title: 'Delete the app',
    question: 'Delete this app? Its secret and every token it holds stop working at once. This cannot be undone.',
  },
} as const;

const checked = (body: Record<string, string | undefined>) => Behaviors.filter((b) => body[b] === 'on');
const behaviorBoxes = (on: readonly string[]) =>
  Behaviors.map((name, i) => ({ name, id: `behavior-${i}`, checked: on.includes(name) }));
const row = (a: AppInfo) => ({
  clientId: a.clientId,
  path: encodeURIComponent(a.clientId),
  behaviors: a.behaviors.join(', ') || '—',
  editable: a.source === 'database',
  source: a.source === 'config' ? 'CONFIG_FILE' : a.source === 'env' ? 'BOOTSTRAP_CLIENT_ID' : 'database',
  createdAt: fmtTime(a.createdAt),
});

/** Apps of the admin's tenant: list, create, behaviors, rotate the secret, delete (issue #18). */
export function adminAppRoutes(app: FastifyInstance, admin: ConsoleAdmin): void {
  /** A database app of the admin's tenant (a config app's page says it is read-only). */
  async function editable(request: FastifyRequest, clientId: string) {
    const a = await admin.app(actorOf(request), clientId);
    if (a.source !== 'database')
      throw new KiboError('VALIDATION_CONFLICT', `App ${clientId} is defined in the configuration; change it there.`);
    return a;
  }
  const newForm = (request: FastifyRequest, reply: FastifyReply, data: object = {}) =>
    reply.view('admin-app-new', { ...pageBase(request, reply), behaviors: behaviorBoxes([]), ...data });

  app.get<{ Querystring: Static<typeof DoneQuery> }>(
    '/apps',
    { schema: { hide: true, querystring: DoneQuery } },
    async (request, reply) =>
      reply.view('admin-apps', {
        ...pageBase(request, reply),
        apps: (await admin.listApps(actorOf(request))).map(row),
        done: request.query.done ? DONE[request.query.done] : null,
      }),
  );

  app.get('/apps/new', HIDDEN, async (request, reply) => newForm(request, reply));

  app.post<{ Body: Static<typeof BehaviorsForm> }>(
    '/apps',
    { schema: { hide: true, body: BehaviorsForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const clientId = (request.body.clientId ?? '').trim();
      const behaviors = checked(request.body);
      try {
        const created = await admin.createApp(actorOf(request), { clientId, behaviors });
        return reply.view('admin-secret', {
          ...pageBase(request, reply),
          title: `App ${created.clientId} created`,
          secrets: [
            { label: 'client_id', value: created.clientId },
            { label: 'client_secret', value: created.secret },
          ],
          back: '/console/admin/apps',
          backText: 'Back to the apps',
        });
      } catch (err) {
        // A bad or taken client id: the form again, with what was typed and why it was refused.
        if (!(err instanceof KiboError) || err.status >= 500) throw err;
        return newForm(request, reply.code(err.status), {
          error: err.message,
          clientId,
          behaviors: behaviorBoxes(behaviors),
        });
      }
    },
  );

  app.get<{ Params: Static<typeof AppParams> }>(
    '/apps/:clientId/behaviors',
    { schema: { hide: true, params: AppParams } },
    async (request, reply) => {
      const a = await editable(request, request.params.clientId);
      return reply.view('admin-app-behaviors', {
        ...pageBase(request, reply),
        app: row(a),
        behaviors: behaviorBoxes(a.behaviors),
      });
    },
  );

  app.post<{ Params: Static<typeof AppParams>; Body: Static<typeof BehaviorsForm> }>(
    '/apps/:clientId/behaviors',
    { schema: { hide: true, params: AppParams, body: BehaviorsForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      await editable(request, request.params.clientId);
      await admin.setAppBehaviors(actorOf(request), request.params.clientId, checked(request.body));
      return reply.redirect('/console/admin/apps?done=behaviors', 303);
    },
  );

  app.get<{ Params: Static<typeof ActionParams> }>(
    '/apps/:clientId/:action',
    { schema: { hide: true, params: ActionParams } },
    async (request, reply) => {
      const a = row(await editable(request, request.params.clientId));
      const text = ACTION_TEXT[request.params.action];
      return reply.view('admin-confirm', {
        ...pageBase(request, reply),
        title: `${text.title}: ${a.clientId}`,
        question: text.question,
        action: `/console/admin/apps/${a.path}/${request.params.action}`,
        button: `Confirm: ${text.title}`,
        cancel: '/console/admin/apps',
      });
    },
  );

  app.post<{ Params: Static<typeof ActionParams> }>(
    '/apps/:clientId/:action',
    { schema: { hide: true, params: ActionParams }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const { clientId, action } = request.params;
      await editable(request, clientId);
      if (action === 'delete') {
        await admin.deleteApp(actorOf(request), clientId);
        return reply.redirect('/console/admin/apps?done=deleted', 303);
      }
      const r = await admin.rotateAppSecret(actorOf(request), clientId);
      return reply.view('admin-secret', {
        ...pageBase(request, reply),
        title: `New secret for ${r.clientId}`,
        secrets: [
          { label: 'client_id', value: r.clientId },
          { label: 'client_secret', value: r.secret },
        ],
        back: '/console/admin/apps',
        backText: 'Back to the apps',
      });
    },
  );
}
