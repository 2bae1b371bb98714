import type { AccountProfile } from '../../store/schema.ts';

/** What a caller sends for an account (the wire CustomerAccount, every field optional). */
export interface AccountInput {
  userName?: string | null;
  emailAddress?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  localeCode?: string | null;
  accountType?: string | null;
  companyOrOrganization?: string | null;
  customerSinceDate?: string | null;
  externalId?: string | null;
  taxExempt?: boolean;
  taxId?: string | null;
  acceptsMarketing?: boolean;
  isActive?: boolean;
  attributes?: unknown[];
  contacts?: Record<string, unknown>[];
  notes?: Record<string, unknown>[];
  segments?: unknown[];
  commerceSummary?: unknown;
}

const orUndef = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/**
 * The caller-owned part of an account, as stored. Contacts and notes get ids and audit info
 * when they have none; server-owned fields (id, userId, isLocked, ...) are never taken from input.
 */
export function profileFromInput(
  input: AccountInput,
  at: Date,
  by: string | null,
  previous?: AccountProfile,
): AccountProfile {
  const audit = { createBy: by, createDate: at.toISOString(), updateBy: by, updateDate: at.toISOString() };
  const withIds = (items: Record<string, unknown>[] | undefined, old: unknown[] | undefined) => {
    if (!items) return old;
    let next = Math.max(
      0,
      ...items.map((i) => (typeof i.id === 'number' ? i.id : 0)),
      ...((old ?? []) as { id?: number }[]).map((i) => i.id ?? 0),
    );
    return items.map((i) => ({ ...i, id: typeof i.id === 'number' ? i.id : ++next, auditInfo: i.auditInfo ?? audit }));
  };
  const p: AccountProfile = {
    ...previous,
    firstName: orUndef(input.firstName) ?? previous?.firstName,
    lastName: orUndef(input.lastName) ?? previous?.lastName,
    localeCode: orUndef(input.localeCode) ?? previous?.localeCode,
    accountType: orUndef(input.accountType) ?? previous?.accountType,
    companyOrOrganization: orUndef(input.companyOrOrganization) ?? previous?.companyOrOrganization,
    externalId: orUndef(input.externalId) ?? previous?.externalId,
    taxId: orUndef(input.taxId) ?? previous?.taxId,
    taxExempt: input.taxExempt ?? previous?.taxExempt ?? false,
    acceptsMarketing: input.acceptsMarketing ?? previous?.acceptsMarketing ?? false,
    isActive: input.isActive ?? previous?.isActive ?? true,
    customerSinceDate: orUndef(input.customerSinceDate) ?? previous?.customerSinceDate ?? at.toISOString(),
    attributes: input.attributes ?? previous?.attributes ?? [],
    contacts: withIds(input.contacts, previous?.contacts) ?? [],
    notes: withIds(input.notes, previous?.notes) ?? [],
    segments: input.segments ?? previous?.segments ?? [],
    commerceSummary: input.commerceSummary ?? previous?.commerceSummary ?? defaultCommerceSummary(),
  };
  return p;
}

export function defaultCommerceSummary() {
  return { orderCount: 0, visitsCount: 0, wishlistCount: 0, totalOrderAmount: { amount: 0, currencyCode: 'USD' } };
}
