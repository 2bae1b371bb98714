import type { NewAuthEvent } from '../../store/repos/audit.ts';
import type { Clock } from '../clock.ts';
import type { createAppAdmin, AppInfo } from '../apps/manage.ts';
import type { KeyAdmin, KeyInfo } from '../tokens/keys.ts';
import type { createOperatorAdmin, OperatorView } from '../operators/manage.ts';
import { KiboError, assertThat } from '../errors.ts';

type AppAdmin = ReturnType<typeof createAppAdmin>;
type OperatorAdmin = ReturnType<typeof createOperatorAdmin>;

/** The admin acting, and where from: named on every audit event the action writes. */
export interface AdminActor {
  operatorId: number;
  email: string;
  tenantId: number;
  ip: string | null;
  userAgent: string | null;
}

/**
 * The console's admin pages (issue #18): apps, signing keys and operators, through the very
 * functions the admin CLI calls (domain/apps/manage.ts, tokens/keys.ts, operators/manage.ts), so
 * the rules live in one place. What this adds is the console's scope and its audit trail:
 * - apps and operators belong to a tenant; an admin sees and changes only their own tenant's (an
 *   app or operator of another tenant answers "not found", as if it did not exist);
 * - the signing keys are the service's, shared by every tenant, so any admin manages them;
 * - an admin cannot disable themselves (nobody would be left to enable them from the console);
 * - every change is an `admin.*` event in auth_events: account null, actor the operator's email,
 *   the tenant the admin's, the object changed in `detail` (never a secret or a password). It is
 *   written once the change has succeeded (the CLI functions commit on their own, and a key or app
 *   reload must see the committed row), so a failed audit write answers an error after the change.
 */
export function createConsoleAdmin(deps: {
  apps: AppAdmin;
  keys: KeyAdmin;
  operators: OperatorAdmin;
  audit: { insert(e: NewAuthEvent): Promise<void> };
  clock: Clock;
}) {
  const { apps, keys, operators } = deps;

  const record = (actor: AdminActor, type: string, detail: Record<string, unknown>) =>
    deps.audit.insert({
      tenantId: actor.tenantId,
      siteId: null,
      accountId: null,
      type,
      clientId: 'console',
      ip: actor.ip,
      userAgent: actor.userAgent,
      detail,
      at: deps.clock.now(),
      actor: actor.email,
    });

  /** The tenant's app, or not found (an app of another tenant is not shown). @throws ITEM_NOT_FOUND */
  async function ownApp(actor: AdminActor, clientId: string): Promise<AppInfo> {
    const app = (await apps.list()).find((a) => a.clientId === clientId && a.tenantId === actor.tenantId);
    if (!app) throw new KiboError('ITEM_NOT_FOUND', `No app ${clientId}`);
    return app;
  }
  /** @throws ITEM_NOT_FOUND */
  async function ownOperator(actor: AdminActor, id: number): Promise<OperatorView> {
    const op = (await operators.list()).find((o) => o.id === id && o.tenantId === actor.tenantId);
    if (!op) throw new KiboError('ITEM_NOT_FOUND', `No operator ${id}`);
    return op;
  }

  return {
    listApps: async (actor: AdminActor): Promise<AppInfo[]> =>
      (await apps.list()).filter((a) => a.tenantId === actor.tenantId),
    app: ownApp,

    /** A database app of the admin's tenant; its secret is answered only here. */
    async createApp(actor: AdminActor, input: { clientId: string; behaviors: string[] }) {
      const app = await apps.create({ ...input, tenantId: actor.tenantId });
      await record(actor, 'admin.app_created', { app: app.clientId, behaviors: app.behaviors });
      return app;
    },
    async rotateAppSecret(actor: AdminActor, clientId: string) {
      await ownApp(actor, clientId);
      const r = await apps.rotateSecret(clientId);
      await record(actor, 'admin.app_secret_rotated', { app: clientId });
      return r;
    },
    async setAppBehaviors(actor: AdminActor, clientId: string, behaviors: string[]) {
      await ownApp(actor, clientId);
      const r = await apps.setBehaviors(clientId, behaviors);
      await record(actor, 'admin.app_behaviors_set', { app: clientId, behaviors: r.behaviors });
      return r;
    },
    async deleteApp(actor: AdminActor, clientId: string) {
      await ownApp(actor, clientId);
      const r = await apps.delete(clientId);
      await record(actor, 'admin.app_deleted', { app: clientId });
      return r;
    },

    listKeys: (): Promise<KeyInfo[]> => keys.list(),
    /** `now`: signs at once (an emergency); else published now, signing after the publish-ahead time. */
    async rotateKey(actor: AdminActor, now: boolean): Promise<KeyInfo> {
      const k = await keys.rotate(now ? { publishAheadMinutes: 0 } : {});
      await record(actor, 'admin.key_rotated', { kid: k.kid, now });
      return k;
    },
    async retireKey(actor: AdminActor, kid: string, dropNow: boolean): Promise<KeyInfo> {
      const k = await keys.retire(kid, { dropNow });
      await record(actor, 'admin.key_retired', { kid, dropNow });
      return k;
    },

    listOperators: async (actor: AdminActor): Promise<OperatorView[]> =>
      (await operators.list()).filter((o) => o.tenantId === actor.tenantId),
    operator: ownOperator,
    /** An operator of the admin's tenant; the generated password is answered only here. */
    async createOperator(actor: AdminActor, input: { email: string; role: string }) {
      const op = await operators.create({ email: input.email, role: input.role, tenantId: actor.tenantId });
      await record(actor, 'admin.operator_created', { operator: op.email, role: op.role });
      return op;
    },
    /** @throws FORBIDDEN (disabling oneself) | ITEM_NOT_FOUND */
    async setOperatorDisabled(actor: AdminActor, id: number, disabled: boolean) {
      const op = await ownOperator(actor, id);
      assertThat(!(disabled && op.id === actor.operatorId), 'FORBIDDEN', 'You cannot disable yourself');
      const r = await operators.setDisabled(op.email, disabled);
      await record(actor, disabled ? 'admin.operator_disabled' : 'admin.operator_enabled', { operator: op.email });
      return r;
    },
    /** A generated password, answered only here; the operator's sessions end. */
    async resetOperatorPassword(actor: AdminActor, id: number) {
      const op = await ownOperator(actor, id);
      const r = await operators.resetPassword(op.email);
      await record(actor, 'admin.operator_password_reset', { operator: op.email });
      return r;
    },
  };
}

export type ConsoleAdmin = ReturnType<typeof createConsoleAdmin>;
