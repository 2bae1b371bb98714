import type { AccountRow } from '../../store/repos/accounts.ts';
import { defaultCommerceSummary } from '../../domain/accounts/shape.ts';
import { isLockedAt } from '../../domain/lockout/lockout.ts';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** The wire CustomerAccount of a stored account. */
export function toCustomerAccount(row: AccountRow, now: Date) {
  const p = row.profile;
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
    isLocked: isLockedAt(row, now),
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
