import { Type, type TSchema } from '@sinclair/typebox';

/** Kibo's error shape (CONTRACT §7). */
export const KiboErrorSchema = Type.Object(
  {
    message: Type.String(),
    errorCode: Type.String(),
    applicationName: Type.String(),
    additionalErrorData: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
    items: Type.Array(Type.Unknown()),
  },
  { $id: 'KiboError', title: 'KiboError' },
);

/** Error statuses every route may answer, all in the Kibo shape. */
export const errorResponses = {
  '4xx': Type.Ref('KiboError'),
  '5xx': Type.Ref('KiboError'),
};

/** `?responseFields=` which every Kibo route accepts. */
export const ResponseFieldsQuery = Type.Object({
  responseFields: Type.Optional(Type.String({ maxLength: 2000 })),
});

/** An account id: a PostgreSQL `integer`, so larger numbers are refused at the door, not by the database. */
export const AccountId = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 });

export const DateTime = Type.String({ format: 'date-time' });

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A 204 answer: no body. */
export const NoContent = Type.Null();

/** `/accounts/{accountId}/…` routes' path. */
export const AccountIdParams = Type.Object({ accountId: AccountId });

/** `?responseFields=&userId=` (the SDK may name the user; the account id decides). */
export const UserQuery = Type.Object({ ...ResponseFieldsQuery.properties, userId: Type.Optional(Type.String()) });
