import countries from 'i18n-iso-countries';
import { isEmailAddress } from '../accounts/lookup.ts';
import { KiboError, assertThat } from '../errors.ts';

/** What a caller sends for a contact (the wire CustomerContact; server-owned fields are ignored). */
export interface ContactInput {
  types?: { name?: string | null; isPrimary?: boolean }[] | null;
  email?: string | null;
  label?: string | null;
  firstName?: string | null;
  middleNameOrInitial?: string | null;
  lastNameOrSurname?: string | null;
  companyOrOrganization?: string | null;
  faxNumber?: string | null;
  phoneNumbers?: { home?: string | null; mobile?: string | null; work?: string | null } | null;
  address?: {
    address1?: string | null;
    address2?: string | null;
    address3?: string | null;
    address4?: string | null;
    cityOrTown?: string | null;
    stateOrProvince?: string | null;
    postalOrZipCode?: string | null;
    countryCode?: string | null;
    addressType?: string | null;
    isValidated?: boolean | null;
  } | null;
}

/** The caller-owned part of a contact as stored: trimmed, checked, empty strings as null. */
export type ContactFields = ReturnType<typeof contactFields>;

const PHONE = /^\+?[0-9 ()./-]{3,30}(?:\s*(?:x|ext\.?)\s*[0-9]{1,8})?$/i;
const POSTAL = /^[\p{L}\p{N}][\p{L}\p{N} -]{0,18}[\p{L}\p{N}]?$/u;

function bad(field: string, message: string): never {
  throw new KiboError('MISSING_OR_INVALID_PARAMETER', `${field} ${message}`, { field });
}

const clean = (v: string | null | undefined): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);

/**
 * Checks a contact's shape (CONTRACT: "as Kibo's document defines them"): an email and at least
 * one contact type are required (Kibo: "Required properties: CustomerContact.Email, ContactType"),
 * type names are unique within the contact, a country code is an ISO 3166-1 alpha-2 code, postal
 * codes and phone numbers look like ones. Whether an address exists is not checked (no
 * deliverability lookups). Lengths are bounded by the request schema.
 * @throws MISSING_OR_INVALID_PARAMETER naming the field
 */
export function contactFields(input: ContactInput) {
  const email = clean(input.email);
  if (!email) bad('email', 'is required');
  if (!isEmailAddress(email)) bad('email', 'is not a valid email address');

  const types = (input.types ?? []).map((t, i) => {
    const name = clean(t.name);
    if (!name) bad(`types[${i}].name`, 'is required');
    return { name, isPrimary: t.isPrimary === true };
  });
  if (types.length === 0) bad('types', 'needs at least one contact type (e.g. Billing, Shipping)');
  const names = new Set<string>();
  for (const [i, t] of types.entries()) {
    if (names.has(t.name.toLowerCase())) bad(`types[${i}].name`, `lists ${t.name} twice`);
    names.add(t.name.toLowerCase());
  }

  let address = null;
  if (input.address) {
    const a = input.address;
    const countryCode = clean(a.countryCode)?.toUpperCase() ?? null;
    if (!countryCode) bad('address.countryCode', 'is required');
    if (!/^[A-Z]{2}$/.test(countryCode) || !countries.isValid(countryCode))
      bad('address.countryCode', 'must be an ISO 3166-1 alpha-2 country code');
    const postalOrZipCode = clean(a.postalOrZipCode);
    if (postalOrZipCode !== null && !POSTAL.test(postalOrZipCode))
      bad('address.postalOrZipCode', 'must be 1-20 letters, digits, spaces or hyphens');
    address = {
      address1: clean(a.address1),
      address2: clean(a.address2),
      address3: clean(a.address3),
      address4: clean(a.address4),
      cityOrTown: clean(a.cityOrTown),
      stateOrProvince: clean(a.stateOrProvince),
      postalOrZipCode,
      countryCode,
      addressType: clean(a.addressType),
      // Never set by us: we do not check deliverability.
      isValidated: a.isValidated ?? false,
    };
  }

  const phone = (field: string, v: string | null | undefined) => {
    const p = clean(v);
    if (p !== null && !PHONE.test(p)) bad(field, 'is not a phone number');
    return p;
  };
  const p = input.phoneNumbers ?? {};
  return {
    email,
    types,
    label: clean(input.label),
    firstName: clean(input.firstName),
    middleNameOrInitial: clean(input.middleNameOrInitial),
    lastNameOrSurname: clean(input.lastNameOrSurname),
    companyOrOrganization: clean(input.companyOrOrganization),
    faxNumber: phone('faxNumber', input.faxNumber),
    phoneNumbers: {
      home: phone('phoneNumbers.home', p.home),
      mobile: phone('phoneNumbers.mobile', p.mobile),
      work: phone('phoneNumbers.work', p.work),
    },
    address,
  };
}

/** At most one contact of a list may be primary for a type. @throws MISSING_OR_INVALID_PARAMETER */
export function assertOnePrimaryPerType(list: readonly { types: { name: string; isPrimary: boolean }[] }[]): void {
  const primary = new Set<string>();
  for (const c of list)
    for (const t of c.types) {
      if (!t.isPrimary) continue;
      assertThat(
        !primary.has(t.name.toLowerCase()),
        'MISSING_OR_INVALID_PARAMETER',
        `Only one contact can be the primary ${t.name} contact`,
        { field: 'types.isPrimary' },
      );
      primary.add(t.name.toLowerCase());
    }
}
