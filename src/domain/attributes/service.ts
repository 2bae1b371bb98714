import { MANAGE } from '../../config/schema.ts';
import type { AttributeDefinition } from '../../config/load.ts';
import type { AccountSectionsRepo } from '../../store/repos/account-sections.ts';
import { actorFor, type AccountActor } from '../accounts/access.ts';
import type { Audit } from '../audit/events.ts';
import type { Clock } from '../clock.ts';
import type { AuditStamp } from '../contacts/service.ts';
import { scopeOf, type CallContext } from '../context.ts';
import { KiboError } from '../errors.ts';
import { pageOf, type Page, type PageQuery } from '../paging.ts';
import { checkValues, findDefinition, type AttributeValue } from './values.ts';

/** An attribute value as stored in the account's profile (and shown in CustomerAccount.attributes). */
export interface StoredAttribute {
  fullyQualifiedName: string;
  attributeDefinitionId: number;
  values: AttributeValue[];
  auditInfo: AuditStamp;
}

export interface AttributeInput {
  fullyQualifiedName?: string | null;
  values?: unknown[] | null;
}

export interface AttributeDeps {
  sections: AccountSectionsRepo;
  audit: Audit;
  clock: Clock;
}

const filterFields: Record<string, (a: StoredAttribute) => string | number | boolean | null | undefined> = {
  fullyQualifiedName: (a) => a.fullyQualifiedName,
  attributeDefinitionId: (a) => a.attributeDefinitionId,
  'auditInfo.updateDate': (a) => a.auditInfo?.updateDate,
};

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * A stored attribute in full, or nothing. Attributes sent with an account (`PUT /accounts/{id}`)
 * are stored as sent, so a field may be missing or of another type; the answer must fit the schema.
 */
function asStored(ctx: CallContext, raw: unknown): StoredAttribute[] {
  const a = (raw && typeof raw === 'object' ? raw : {}) as Record<string, any>;
  if (typeof a.fullyQualifiedName !== 'string' || !a.fullyQualifiedName) return [];
  const au = a.auditInfo && typeof a.auditInfo === 'object' ? a.auditInfo : {};
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const values = (Array.isArray(a.values) ? a.values : []).filter(
    (v: unknown) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)),
  );
  return [
    {
      fullyQualifiedName: a.fullyQualifiedName,
      attributeDefinitionId: Number.isInteger(a.attributeDefinitionId)
        ? a.attributeDefinitionId
        : (findDefinition(ctx.tenant.attributeDefinitions, a.fullyQualifiedName)?.id ?? 0),
      values,
      auditInfo: {
        createBy: text(au.createBy),
        createDate: text(au.createDate) ?? '',
        updateBy: text(au.updateBy),
        updateDate: text(au.updateDate) ?? '',
      },
    },
  ];
}

/**
 * An account's attribute values (Kibo's CustomerAttribute routes), each checked against the
 * tenant's definition of it. A shopper reads the visible ones of their own account and writes
 * those a shopper enters (valueType ShopperEntered or Predefined, not read-only); manage-accounts
 * apps read and write all of them.
 */
export function createAttributeService(deps: AttributeDeps) {
  const { sections, audit, clock } = deps;

  const notFound = (accountId: number) => new KiboError('ITEM_NOT_FOUND', `Account ${accountId} not found`);

  /** @throws MISSING_OR_INVALID_PARAMETER for an attribute the tenant does not define */
  function definition(ctx: CallContext, fqn: string): AttributeDefinition {
    const def = findDefinition(ctx.tenant.attributeDefinitions, fqn);
    if (!def)
      throw new KiboError('MISSING_OR_INVALID_PARAMETER', `Attribute ${fqn} is not defined for this tenant`, {
        attribute: fqn,
      });
    return def;
  }

  const visibleTo = (ctx: CallContext, actor: AccountActor) => (a: StoredAttribute) => {
    if (actor === 'manager') return true;
    const def = findDefinition(ctx.tenant.attributeDefinitions, a.fullyQualifiedName);
    return def ? def.isVisible : true;
  };

  function assertMayWrite(actor: AccountActor, def: AttributeDefinition): void {
    if (actor === 'manager') return;
    if (def.isReadOnly || def.valueType === 'AdminEntered')
      throw new KiboError('FORBIDDEN', `Attribute ${def.attributeFQN} is set by the merchant only`, {
        attribute: def.attributeFQN,
        behavior: MANAGE,
      });
  }

  async function readAll(ctx: CallContext, accountId: number): Promise<StoredAttribute[]> {
    const actor = actorFor(ctx, accountId);
    const list = await sections.read(scopeOf(ctx), accountId, 'attributes');
    if (!list) throw notFound(accountId);
    return list.flatMap((raw) => asStored(ctx, raw)).filter(visibleTo(ctx, actor));
  }

  /** Writes one attribute: `mode` add (must be new), replace (must exist) or remove. */
  async function write(
    ctx: CallContext,
    accountId: number,
    fqn: string,
    mode: 'add' | 'replace' | 'remove',
    values: unknown[] = [],
  ): Promise<StoredAttribute | undefined> {
    const actor = actorFor(ctx, accountId);
    const def = definition(ctx, fqn);
    assertMayWrite(actor, def);
    if (mode === 'remove' && def.isRequired)
      throw new KiboError('MISSING_OR_INVALID_PARAMETER', `Attribute ${def.attributeFQN}: a value is required`, {
        attribute: def.attributeFQN,
      });
    const checked = mode === 'remove' ? [] : checkValues(def, values);
    const at = clock.now();
    const iso = at.toISOString();
    type Outcome = { stored: StoredAttribute | null };
    const result = await sections.update<Outcome>(
      scopeOf(ctx),
      accountId,
      'attributes',
      { at, by: ctx.clientId },
      async (raw) => {
        const current = raw.flatMap((r) => asStored(ctx, r));
        const old = current.find((a) => same(a.fullyQualifiedName, def.attributeFQN));
        if (mode === 'add' && old)
          throw new KiboError(
            'VALIDATION_CONFLICT',
            `Attribute ${def.attributeFQN} is already set; update it instead`,
            {
              attribute: def.attributeFQN,
            },
          );
        if (mode !== 'add' && !old)
          throw new KiboError('ITEM_NOT_FOUND', `Attribute ${def.attributeFQN} is not set on account ${accountId}`, {
            attribute: def.attributeFQN,
          });
        if (mode === 'remove') return { next: current.filter((a) => a !== old), result: { stored: null } };
        const next: StoredAttribute = {
          fullyQualifiedName: def.attributeFQN,
          attributeDefinitionId: def.id,
          values: checked,
          auditInfo: {
            createBy: old?.auditInfo?.createBy ?? ctx.clientId,
            createDate: old?.auditInfo?.createDate ?? iso,
            updateBy: ctx.clientId,
            updateDate: iso,
          },
        };
        return {
          next: old ? current.map((a) => (a === old ? next : a)) : [...current, next],
          result: { stored: next },
        };
      },
    );
    if (!result) throw notFound(accountId);
    await audit.record(ctx, mode === 'remove' ? 'attribute.deleted' : 'attribute.set', accountId, {
      attribute: def.attributeFQN,
      by: actor,
    });
    return result.stored ?? undefined;
  }

  return {
    async list(ctx: CallContext, accountId: number, q: PageQuery): Promise<Page<StoredAttribute>> {
      return pageOf(await readAll(ctx, accountId), q, filterFields);
    },

    /** @throws ITEM_NOT_FOUND when the account has no value for it */
    async get(ctx: CallContext, accountId: number, fqn: string): Promise<StoredAttribute> {
      const a = (await readAll(ctx, accountId)).find((x) => same(x.fullyQualifiedName, fqn));
      if (!a)
        throw new KiboError('ITEM_NOT_FOUND', `Attribute ${fqn} is not set on account ${accountId}`, {
          attribute: fqn,
        });
      return a;
    },

    /** POST: a new attribute value. @throws VALIDATION_CONFLICT when it is set already */
    async add(ctx: CallContext, accountId: number, input: AttributeInput): Promise<StoredAttribute> {
      const fqn = input.fullyQualifiedName?.trim();
      if (!fqn)
        throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'fullyQualifiedName is required', {
          field: 'fullyQualifiedName',
        });
      return (await write(ctx, accountId, fqn, 'add', input.values ?? []))!;
    },

    /** PUT: replaces the values of a set attribute (the path names it; a different body name is refused). */
    async update(ctx: CallContext, accountId: number, fqn: string, input: AttributeInput): Promise<StoredAttribute> {
      const named = input.fullyQualifiedName?.trim();
      if (named && !same(named, fqn))
        throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'fullyQualifiedName does not match the path', {
          field: 'fullyQualifiedName',
        });
      return (await write(ctx, accountId, fqn, 'replace', input.values ?? []))!;
    },

    async remove(ctx: CallContext, accountId: number, fqn: string): Promise<void> {
      await write(ctx, accountId, fqn, 'remove');
    },
  };
}
export type AttributeService = ReturnType<typeof createAttributeService>;
