import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ConsoleAdmin } from '../../domain/admin/console-admin.ts';
import { OPERATOR_ROLES } from '../../domain/operators/manage.ts';
import { KiboError } from '../../domain/errors.ts';
import { HIDDEN } from './hidden.ts';
import { actorOf, fmtTime, pageBase } from './admin-access.ts';

const ACTIONS = ['disable', 'enable', 'reset-password'] as const;
type OperatorAction = (typeof ACTIONS)[number];
const ActionParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  action: Type.Union(ACTIONS.map((a) => Type.Literal(a))),
});
const CreateForm = Type.Object({
  _csrf: Type.Optional(Type.String()),
  email: Type.String({ maxLength: 320 }),
  role: Type.String({ maxLength: 20 }),
});
const CsrfForm = Type.Object({ _csrf: Type.Optional(Type.String()) });
const DoneQuery = Type.Object({
  done: Type.Optional(Type.Union([Type.Literal('disable'), Type.Literal('enable')])),
});
const ACTION_TEXT: Record<OperatorAction, { title: string; question: string }> = {
  disable: {
    title: 'Disable the operator',
    question: 'Disable this operator? Their console sessions end now and they cannot sign in until enabled.',
  },
  enable: { title: 'Enable the operator', question: 'Enable this operator again? They can sign in.' },
  'reset-password': {
    title: 'Reset the password',
    question:
      'Give this operator a new, generated password? The old one stops working, their sessions end, and any lockout ends. The new password is shown once.',
  },
};

/** Operators of the admin's tenant: list, create, disable/enable, reset a password (as the CLI). */
export function adminOperatorRoutes(app: FastifyInstance, admin: ConsoleAdmin): void {
  const newForm = (request: FastifyRequest, reply: FastifyReply, data: object = {}) =>
    reply.view('admin-operator-new', { ...pageBase(request, reply), roles: OPERATOR_ROLES, role: 'support', ...data });
  const passwordPage = (request: FastifyRequest, reply: FastifyReply, title: string, email: string, pw: string) =>
    reply.view('admin-secret', {
      ...pageBase(request, reply),
      title,
      secrets: [
        { label: 'Email', value: email },
        { label: 'Password', value: pw },
      ],
      back: '/console/admin/operators',
      backText: 'Back to the operators',
    });

  app.get<{ Querystring: Static<typeof DoneQuery> }>(
    '/operators',
    { schema: { hide: true, querystring: DoneQuery } },
    async (request, reply) => {
      const me = request.consoleOperator!.operatorId;
      const operators = (await admin.listOperators(actorOf(request))).map((o) => ({
        id: o.id,
        email: o.email,
        role: o.role,
        totp: o.totp,
        disabled: o.disabled,
        self: o.id === me,
        lockedUntil: fmtTime(o.lockedUntil),
        lastLoginAt: fmtTime(o.lastLoginAt),
      }));
      const done = request.query.done;
      return reply.view('admin-operators', {
        ...pageBase(request, reply),
        operators,
        done: done ? `The operator is ${done === 'disable' ? 'disabled' : 'enabled'}.` : null,
      });
    },
  );

  app.get('/operators/new', HIDDEN, async (request, reply) => newForm(request, reply));

  app.post<{ Body: Static<typeof CreateForm> }>(
    '/operators',
    { schema: { hide: true, body: CreateForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const { email, role } = request.body;
      try {
        const op = await admin.createOperator(actorOf(request), { email, role });
        return passwordPage(request, reply, `Operator ${op.email} (${op.role}) created`, op.email, op.password!);
      } catch (err) {
        if (!(err instanceof KiboError) || err.status >= 500) throw err;
        return newForm(request, reply.code(err.status), { error: err.message, email, role });
      }
    },
  );

  app.get<{ Params: Static<typeof ActionParams> }>(
    '/operators/:id/:action',
    { schema: { hide: true, params: ActionParams } },
    async (request, reply) => {
      const { id, action } = request.params;
      const op = await admin.operator(actorOf(request), id);
      const text = ACTION_TEXT[action];
      return reply.view('admin-confirm', {
        ...pageBase(request, reply),
        title: `${text.title}: ${op.email}`,
        question: text.question,
        action: `/console/admin/operators/${op.id}/${action}`,
        button: `Confirm: ${text.title}`,
        cancel: '/console/admin/operators',
      });
    },
  );

  app.post<{ Params: Static<typeof ActionParams>; Body: Static<typeof CsrfForm> }>(
    '/operators/:id/:action',
    { schema: { hide: true, params: ActionParams, body: CsrfForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const { id, action } = request.params;
      if (action === 'reset-password') {
        const r = await admin.resetOperatorPassword(actorOf(request), id);
        return passwordPage(request, reply, `New password for ${r.email}`, r.email, r.password!);
      }
      await admin.setOperatorDisabled(actorOf(request), id, action === 'disable');
      return reply.redirect(`/console/admin/operators?done=${action}`, 303);
    },
  );
}
