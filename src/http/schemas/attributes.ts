import { Type } from '@sinclair/typebox';
import { AccountId, Nullable, ResponseFieldsQuery } from './common.ts';
import { AuditInfo } from './account.ts';

const Opt = Type.Optional;
const Value = Type.Union([Type.String({ maxLength: 4000 }), Type.Number(), Type.Boolean()]);

/** CustomerAttribute as a caller sends it (values are checked against the definition). */
export const CustomerAttributeInput = Type.Object(
  {
    fullyQualifiedName: Opt(Nullable(Type.String({ maxLength: 300 }))),
    attributeDefinitionId: Opt(Nullable(Type.Integer())),
    auditInfo: Opt(Type.Unknown()),
    values: Opt(Nullable(Type.Array(Value, { maxItems: 100 }))),
  },
  { title: 'CustomerAttribute' },
);

export const CustomerAttribute = Type.Object(
  {
    fullyQualifiedName: Type.String(),
    attributeDefinitionId: Type.Integer(),
    auditInfo: AuditInfo,
    values: Type.Array(Value),
  },
  { title: 'CustomerAttribute' },
);

export const CustomerAttributeCollection = Type.Object(
  {
    startIndex: Type.Integer(),
    pageSize: Type.Integer(),
    pageCount: Type.Integer(),
    totalCount: Type.Integer(),
    items: Type.Array(CustomerAttribute),
  },
  { title: 'CustomerAttributeCollection' },
);

export const AttributeParams = Type.Object({
  accountId: AccountId,
  attributeFQN: Type.String({ minLength: 1, maxLength: 300 }),
});

const Content = Type.Object({ localeCode: Opt(Type.String()), value: Opt(Type.String()) });

/** An attribute definition (Kibo's CommerceRuntimeAttribute; the SDK's CustomerAttribute2). */
export const AttributeDefinition = Type.Object(
  {
    id: Type.Integer(),
    adminName: Type.String(),
    namespace: Type.String(),
    attributeCode: Type.String(),
    attributeFQN: Type.String(),
    inputType: Type.String(),
    valueType: Type.String(),
    dataType: Type.String(),
    attributeMetadata: Type.Array(Type.Object({ key: Type.String(), value: Type.String() })),
    content: Opt(Content),
    validation: Type.Object({
      regularExpression: Opt(Type.String()),
      minStringLength: Opt(Type.Integer()),
      maxStringLength: Opt(Type.Integer()),
      minNumericValue: Opt(Type.Number()),
      maxNumericValue: Opt(Type.Number()),
      minDateTime: Opt(Type.String()),
      maxDateTime: Opt(Type.String()),
    }),
    vocabularyValues: Type.Array(
      Type.Object({ value: Type.String(), sequence: Type.Integer(), content: Opt(Content) }),
    ),
    isActive: Type.Boolean(),
    isRequired: Type.Boolean(),
    isReadOnly: Type.Boolean(),
    isMultiValued: Type.Boolean(),
    isVisible: Type.Boolean(),
    order: Type.Integer(),
    displayGroup: Type.String(),
    availableForOrderRouting: Type.Boolean(),
    availableForDiscounts: Type.Boolean(),
  },
  { title: 'CommerceRuntimeAttribute' },
);

export const AttributeDefinitionCollection = Type.Object(
  {
    startIndex: Type.Integer(),
    pageSize: Type.Integer(),
    pageCount: Type.Integer(),
    totalCount: Type.Integer(),
    items: Type.Array(AttributeDefinition),
  },
  { title: 'CommerceRuntimeAttributeCollection' },
);

/** `?userId=` (the SDK may name the user; the account id decides). */
export const UserIdQuery = Type.Object({ userId: Type.Optional(Type.String()) });

/** One attribute definition, by its fully qualified name. */
export const AttributeFqnParams = Type.Object({ attributeFQN: Type.String({ minLength: 1, maxLength: 300 }) });

/** One attribute definition: which fields and groups to answer. */
export const DefinitionOneQuery = Type.Object({
  ...ResponseFieldsQuery.properties,
  responseGroups: Type.Optional(Type.String()),
});

/** A page of attribute definitions: paging, sort, filter, groups and fields. */
export const DefinitionQuery = Type.Object({
  startIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  sortBy: Type.Optional(Type.String({ maxLength: 100 })),
  filter: Type.Optional(Type.String({ maxLength: 1000 })),
  responseGroups: Type.Optional(Type.String({ maxLength: 200 })),
  responseFields: Type.Optional(Type.String({ maxLength: 2000 })),
});
