import { Type } from '@sinclair/typebox';
import { CustomerAccountInput } from './account.ts';
import { AccountId, Nullable } from './common.ts';

const Opt = Type.Optional;

/** At most this many items per bulk request (the 64 KiB body limit allows about that many). */
export const MAX_BULK_ITEMS = 100;

/** One item of POST /accounts/Bulk: Kibo's CustomerAccountAndAuthInfo, without a login. */
export const BulkAccountItem = Type.Object({
  account: CustomerAccountInput,
  password: Opt(Type.String({ minLength: 1, maxLength: 1024 })),
  externalPassword: Opt(Type.String({ maxLength: 1024 })),
  isImport: Opt(Type.Boolean()),
});

export const BulkAccountsBody = Type.Array(BulkAccountItem, { minItems: 1, maxItems: MAX_BULK_ITEMS });

/** Kibo's CustomerAccountCollection of the accounts made, and (ours) the items that failed. */
export const BulkAccountsResult = Type.Object({
  startIndex: Type.Integer(),
  pageSize: Type.Integer(),
  pageCount: Type.Integer(),
  totalCount: Type.Integer(),
  items: Type.Array(Type.Ref('CustomerAccount')),
  errors: Type.Array(
    Type.Object({
      index: Type.Integer({ description: 'Position of the failed item in the request' }),
      errorCode: Type.String(),
      message: Type.String(),
    }),
  ),
});

export const AccountPasswordInfoCollection = Type.Object(
  {
    totalCount: Opt(Type.Integer()),
    items: Type.Array(
      Type.Object({
        accountId: AccountId,
        userId: Opt(Nullable(Type.String({ maxLength: 200 }))),
        unlockAccount: Opt(Nullable(Type.Boolean())),
        passwordInfo: Opt(
          Type.Object({
            oldPassword: Opt(Nullable(Type.String({ maxLength: 1024 }))),
            newPassword: Opt(Nullable(Type.String({ maxLength: 1024 }))),
            externalPassword: Opt(Nullable(Type.String({ maxLength: 1024 }))),
          }),
        ),
      }),
      { minItems: 1, maxItems: MAX_BULK_ITEMS },
    ),
  },
  { title: 'AccountPasswordInfoCollection' },
);

export const ChangePasswordResultCollection = Type.Object(
  {
    totalCount: Type.Integer(),
    items: Type.Array(
      Type.Object({ accountId: Type.Integer(), succeeded: Type.Boolean(), errorMessage: Nullable(Type.String()) }),
    ),
  },
  { title: 'ChangePasswordResultCollection' },
);
