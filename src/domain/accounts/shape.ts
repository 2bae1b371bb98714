import type { AccountProfile } from '../../store/schema.ts';
import type { AccountRow } from '../../store/repos/accounts.ts';

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

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
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

/** The wire CustomerAccount of a stored account. */
export function toCustomerAccount(row: AccountRow, now: Date) {
  const p = row.profile;
  const lockedNow = row.is_locked || (row.locked_until !== null && row.locked_until > now);
  return {
    id: row.id,
    userId: row.user_id,
    userName: row.user_name,
    emailAddress: row.email,
    firstName: p.firstName ?? null,
    lastName: p.lastName ?? null,
    localeCode: p.localeCode ?? null,
    accountType: p.accountType ?? null,
    companyOrOrganization: p.companyOrOrganization ?? null,
    customerSet: row.customer_set,
    customerSinceDate: p.customerSinceDate ?? iso(row.created_at),
    externalId: p.externalId ?? null,
    taxExempt: p.taxExempt ?? false,
    taxId: p.taxId ?? null,
    acceptsMarketing: p.acceptsMarketing ?? false,
    hasExternalPassword: row.has_external_password,
    isActive: p.isActive ?? true,
    isAnonymous: false,
    isLocked: lockedNow,
    last2FaDate: iso(row.last_2fa_at),
    migrationRequired: row.migration_required,
    attributes: (p.attributes ?? []) as never[],
    contacts: ((p.contacts ?? []) as Record<string, unknown>[]).map((c) => ({ ...c, accountId: row.id })) as never[],
    notes: (p.notes ?? []) as never[],
    segments: (p.segments ?? []) as never[],
    commerceSummary: (p.commerceSummary ?? defaultCommerceSummary()) as never,
    auditInfo: {
      createBy: row.created_by,
      createDate: iso(row.created_at),
      updateBy: row.updated_by,
      updateDate: iso(row.updated_at),
    },
  };
}
