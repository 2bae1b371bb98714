import { Type } from '@sinclair/typebox';
import { AccountId, Nullable } from './common.ts';
import { AuditInfo } from './account.ts';
import { MAX_CONTACTS } from '../../domain/contacts/service.ts';

const Opt = Type.Optional;
const In = (max: number) => Opt(Nullable(Type.String({ maxLength: max })));
const Out = Nullable(Type.String());

/** A contact's address as sent (its shape is checked in domain/contacts/validate.ts). */
const AddressInput = Type.Object({
  address1: In(200),
  address2: In(200),
  address3: In(200),
  address4: In(200),
  cityOrTown: In(100),
  stateOrProvince: In(100),
  postalOrZipCode: In(20),
  countryCode: In(10),
  addressType: In(50),
  isValidated: Opt(Nullable(Type.Boolean())),
});

const ContactType = Type.Object({
  name: Opt(Nullable(Type.String({ maxLength: 50 }))),
  isPrimary: Opt(Type.Boolean()),
});

/** CustomerContact as a caller sends it; id, accountId and auditInfo are the server's and ignored. */
export const CustomerContactInput = Type.Object(
  {
    id: Opt(Nullable(Type.Integer())),
    accountId: Opt(Type.Integer()),
    types: Opt(Nullable(Type.Array(ContactType, { maxItems: 10 }))),
    auditInfo: Opt(Type.Unknown()),
    email: In(320),
    label: In(100),
    firstName: In(100),
    middleNameOrInitial: In(100),
    lastNameOrSurname: In(100),
    companyOrOrganization: In(200),
    faxNumber: In(40),
    phoneNumbers: Opt(Nullable(Type.Object({ home: In(40), mobile: In(40), work: In(40) }))),
    address: Opt(Nullable(AddressInput)),
  },
  { title: 'CustomerContact' },
);

export const CustomerContact = Type.Object(
  {
    id: Type.Integer(),
    accountId: Type.Integer(),
    types: Type.Array(Type.Object({ name: Type.String(), isPrimary: Type.Boolean() })),
    auditInfo: AuditInfo,
    email: Out,
    label: Out,
    firstName: Out,
    middleNameOrInitial: Out,
    lastNameOrSurname: Out,
    companyOrOrganization: Out,
    faxNumber: Out,
    phoneNumbers: Type.Object({ home: Out, mobile: Out, work: Out }),
    address: Nullable(
      Type.Object({
        address1: Out,
        address2: Out,
        address3: Out,
        address4: Out,
        cityOrTown: Out,
        stateOrProvince: Out,
        postalOrZipCode: Out,
        countryCode: Out,
        addressType: Out,
        isValidated: Type.Boolean(),
      }),
    ),
  },
  { title: 'CustomerContact' },
);

export const CustomerContactCollection = Type.Object(
  {
    startIndex: Type.Integer(),
    pageSize: Type.Integer(),
    pageCount: Type.Integer(),
    totalCount: Type.Integer(),
    items: Type.Array(CustomerContact),
  },
  { title: 'CustomerContactCollection' },
);

export const ContactParams = Type.Object({ accountId: AccountId, contactId: AccountId });

/** Kibo's collection query: paging, sort, filter, and the fields to keep. */
export const CollectionQuery = Type.Object({
  startIndex: Opt(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  pageSize: Opt(Type.Integer({ minimum: 1, maximum: 200 })),
  sortBy: Opt(Type.String({ maxLength: 100 })),
  filter: Opt(Type.String({ maxLength: 1000 })),
  // Kibo's per-user primary overrides; accepted and ignored (one user per account here).
  userId: Opt(Type.String({ maxLength: 200 })),
  responseFields: Opt(Type.String({ maxLength: 2000 })),
});

/** Several contacts at once (at most MAX_CONTACTS). */
export const CustomerContactInputList = Type.Array(CustomerContactInput, { minItems: 1, maxItems: MAX_CONTACTS });
