import type { AccountSectionsRepo } from '../../store/repos/account-sections.ts';
import { actorFor } from '../accounts/access.ts';
import type { Audit } from '../audit/events.ts';
import type { Clock } from '../clock.ts';
import { scopeOf, type CallContext } from '../context.ts';
import { KiboError } from '../errors.ts';
import { pageOf, type Page, type PageQuery } from '../paging.ts';
import { assertOnePrimaryPerType, contactFields, type ContactFields, type ContactInput } from './validate.ts';

export interface AuditStamp {
  createBy: string | null;
  createDate: string;
  updateBy: string | null;
  updateDate: string;
}

/** A contact as stored in the account's profile (and shown in CustomerAccount.contacts). */
export type StoredContact = ContactFields & { id: number; auditInfo: AuditStamp };

export interface ContactDeps {
  sections: AccountSectionsRepo;
  audit: Audit;
  clock: Clock;
}

/** At most this many contacts per account: an address book, not a data store. */
export const MAX_CONTACTS = 100;

const filterFields: Record<string, (c: StoredContact) => string | number | boolean | null | undefined> = {
  id: (c) => c.id,
  email: (c) => c.email,
  label: (c) => c.label,
  firstName: (c) => c.firstName,
  lastNameOrSurname: (c) => c.lastNameOrSurname,
  companyOrOrganization: (c) => c.companyOrOrganization,
  'address.countryCode': (c) => c.address?.countryCode,
  'address.cityOrTown': (c) => c.address?.cityOrTown,
  'address.postalOrZipCode': (c) => c.address?.postalOrZipCode,
  'types.name': (c) => c.types.map((t) => t.name).join(','),
  'auditInfo.createDate': (c) => c.auditInfo?.createDate,
  'auditInfo.updateDate': (c) => c.auditInfo?.updateDate,
};

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * A stored contact in full. Contacts sent with an account (`PUT /accounts/{id}`) are stored as
 * sent, so any field may be missing or of another type; the answer must still fit the schema.
 */
function asStored(raw: unknown): StoredContact {
  const c = (raw && typeof raw === 'object' ? raw : {}) as Record<string, any>;
  const a = c.address && typeof c.address === 'object' ? c.address : null;
  const p = c.phoneNumbers && typeof c.phoneNumbers === 'object' ? c.phoneNumbers : {};
  const au = c.auditInfo && typeof c.auditInfo === 'object' ? c.auditInfo : {};
  return {
    id: Number.isInteger(c.id) ? c.id : 0,
    email: text(c.email) ?? '',
    types: Array.isArray(c.types)
      ? c.types.map((t: any) => ({ name: String(t?.name ?? ''), isPrimary: t?.isPrimary === true }))
      : [],
    label: text(c.label),
    firstName: text(c.firstName),
    middleNameOrInitial: text(c.middleNameOrInitial),
    lastNameOrSurname: text(c.lastNameOrSurname),
    companyOrOrganization: text(c.companyOrOrganization),
    faxNumber: text(c.faxNumber),
    phoneNumbers: { home: text(p.home), mobile: text(p.mobile), work: text(p.work) },
    address: a && {
      address1: text(a.address1),
      address2: text(a.address2),
      address3: text(a.address3),
      address4: text(a.address4),
      cityOrTown: text(a.cityOrTown),
      stateOrProvince: text(a.stateOrProvince),
      postalOrZipCode: text(a.postalOrZipCode),
      countryCode: text(a.countryCode) ?? '',
      addressType: text(a.addressType),
      isValidated: a.isValidated === true,
    },
    auditInfo: {
      createBy: text(au.createBy),
      createDate: text(au.createDate) ?? '',
      updateBy: text(au.updateBy),
      updateDate: text(au.updateDate) ?? '',
    },
  };
}

/**
 * The address book of an account (Kibo's CustomerContact routes): the shopper's own, or any in the
 * tenant's customer set for an app with manage-accounts. Making a contact primary for a type takes
 * that from every other contact of the account, in the same transaction.
 */
export function createContactService(deps: ContactDeps) {
  const { sections, audit, clock } = deps;

  const notFound = (accountId: number) => new KiboError('ITEM_NOT_FOUND', `Account ${accountId} not found`);
  const contactNotFound = (id: number) => new KiboError('ITEM_NOT_FOUND', `Contact ${id} not found`);

  async function readAll(ctx: CallContext, accountId: number): Promise<StoredContact[]> {
    actorFor(ctx, accountId);
    const list = await sections.read(scopeOf(ctx), accountId, 'contacts');
    if (!list) throw notFound(accountId);
    return list.map(asStored);
  }

  /** The others lose primary for the types `winners` are primary for. */
  function yieldPrimary(others: StoredContact[], winners: StoredContact[], stamp: AuditStamp): StoredContact[] {
    const taken = new Set(winners.flatMap((w) => w.types.filter((t) => t.isPrimary).map((t) => t.name.toLowerCase())));
    return others.map((c) =>
      c.types.some((t) => t.isPrimary && taken.has(t.name.toLowerCase()))
        ? {
            ...c,
            types: c.types.map((t) => (taken.has(t.name.toLowerCase()) ? { ...t, isPrimary: false } : t)),
            auditInfo: { ...c.auditInfo, updateBy: stamp.updateBy, updateDate: stamp.updateDate },
          }
        : c,
    );
  }

  const stampOf = (ctx: CallContext, at: Date): AuditStamp => ({
    createBy: ctx.clientId,
    createDate: at.toISOString(),
    updateBy: ctx.clientId,
    updateDate: at.toISOString(),
  });

  /** Adds contacts in one transaction. */
  async function addAll(ctx: CallContext, accountId: number, inputs: ContactInput[]): Promise<StoredContact[]> {
    const actor = actorFor(ctx, accountId);
    const fields = inputs.map(contactFields);
    assertOnePrimaryPerType(fields);
    const at = clock.now();
    const stamp = stampOf(ctx, at);
    const added = await sections.update(
      scopeOf(ctx),
      accountId,
      'contacts',
      { at, by: ctx.clientId },
      async (raw, tx) => {
        const current = raw.map(asStored);
        if (current.length + fields.length > MAX_CONTACTS)
          throw new KiboError('MISSING_OR_INVALID_PARAMETER', `An account can have at most ${MAX_CONTACTS} contacts`, {
            field: 'contacts',
          });
        const used = new Set(current.map((c) => c.id));
        const made: StoredContact[] = [];
        for (const f of fields) {
          let id = await tx.nextContactId();
          // ids given through an account PUT before may collide with the sequence; skip those
          while (used.has(id)) id = await tx.nextContactId();
          used.add(id);
          made.push({ id, ...f, auditInfo: stamp });
        }
        return { next: [...yieldPrimary(current, made, stamp), ...made], result: made };
      },
    );
    if (!added) throw notFound(accountId);
    for (const c of added) await audit.record(ctx, 'contact.added', accountId, { contactId: c.id, by: actor });
    return added;
  }

  return {
    async list(ctx: CallContext, accountId: number, q: PageQuery): Promise<Page<StoredContact>> {
      return pageOf(await readAll(ctx, accountId), q, filterFields);
    },

    /** @throws ITEM_NOT_FOUND for an unknown account or contact */
    async get(ctx: CallContext, accountId: number, contactId: number): Promise<StoredContact> {
      const c = (await readAll(ctx, accountId)).find((x) => x.id === contactId);
      if (!c) throw contactNotFound(contactId);
      return c;
    },

    /** @throws MISSING_OR_INVALID_PARAMETER naming the bad field */
    async add(ctx: CallContext, accountId: number, input: ContactInput): Promise<StoredContact> {
      return (await addAll(ctx, accountId, [input]))[0];
    },

    /** PUT /contacts: adds every contact of the list (Kibo's "Add Account Contact List"), all or none. */
    async addMany(ctx: CallContext, accountId: number, inputs: ContactInput[]): Promise<Page<StoredContact>> {
      const added = await addAll(ctx, accountId, inputs);
      return { startIndex: 0, pageSize: added.length, pageCount: 1, totalCount: added.length, items: added };
    },

    /** Replaces a contact's fields (its id and creation stay). */
    async update(ctx: CallContext, accountId: number, contactId: number, input: ContactInput): Promise<StoredContact> {
      const actor = actorFor(ctx, accountId);
      const f = contactFields(input);
      const at = clock.now();
      const stamp = stampOf(ctx, at);
      const updated = await sections.update(
        scopeOf(ctx),
        accountId,
        'contacts',
        { at, by: ctx.clientId },
        async (raw) => {
          const current = raw.map(asStored);
          const old = current.find((c) => c.id === contactId);
          if (!old) throw contactNotFound(contactId);
          const next: StoredContact = {
            id: contactId,
            ...f,
            auditInfo: {
              ...stamp,
              createBy: old.auditInfo?.createBy ?? null,
              createDate: old.auditInfo?.createDate ?? stamp.createDate,
            },
          };
          const others = yieldPrimary(
            current.filter((c) => c.id !== contactId),
            [next],
            stamp,
          );
          return {
            next: current.map((c) => (c.id === contactId ? next : others.find((o) => o.id === c.id)!)),
            result: next,
          };
        },
      );
      if (!updated) throw notFound(accountId);
      await audit.record(ctx, 'contact.updated', accountId, { contactId, by: actor });
      return updated;
    },

    /** @throws ITEM_NOT_FOUND for an unknown account or contact */
    async remove(ctx: CallContext, accountId: number, contactId: number): Promise<void> {
      const actor = actorFor(ctx, accountId);
      const at = clock.now();
      const gone = await sections.update(scopeOf(ctx), accountId, 'contacts', { at, by: ctx.clientId }, async (raw) => {
        const current = raw.map(asStored);
        if (!current.some((c) => c.id === contactId)) throw contactNotFound(contactId);
        return { next: current.filter((c) => c.id !== contactId), result: true };
      });
      if (!gone) throw notFound(accountId);
      await audit.record(ctx, 'contact.deleted', accountId, { contactId, by: actor });
    },
  };
}
export type ContactService = ReturnType<typeof createContactService>;
