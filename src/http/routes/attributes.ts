import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AttributeDefinition } from '../../config/load.ts';
import type { AttributeService } from '../../domain/attributes/service.ts';
import { findDefinition } from '../../domain/attributes/values.ts';
import { KiboError } from '../../domain/errors.ts';
import { pageOf } from '../../domain/paging.ts';
import { callContext } from '../context.ts';
import { AccountIdParams, errorResponses, NoContent, UserQuery } from '../schemas/common.ts';
import { CollectionQuery } from '../schemas/contacts.ts';
import {
  AttributeDefinition as AttributeDefinitionSchema,
  AttributeDefinitionCollection,
  AttributeFqnParams,
  AttributeParams,
  CustomerAttribute,
  CustomerAttributeCollection,
  CustomerAttributeInput,
  DefinitionQuery,
  DefinitionOneQuery,
  UserIdQuery,
} from '../schemas/attributes.ts';
import { ACCOUNT } from './contacts.ts';

const base = `${ACCOUNT}/attributes`;
const one = `${base}/:attributeFQN`;
const tags = ['attributes'];

/** The wire CommerceRuntimeAttribute of a configured definition. */
function wireDefinition(d: AttributeDefinition) {
  return {
    ...d,
    attributeMetadata: [],
    vocabularyValues: d.vocabularyValues.map((v, i) => ({ ...v, sequence: i })),
    availableForOrderRouting: false,
    availableForDiscounts: false,
  };
}

/** An account's attribute values, each checked against the tenant's definition (config). */
export const attributeRoutes: FastifyPluginAsyncTypebox<{ attributes: AttributeService }> = async (
  app,
  { attributes },
) => {
  // Who may call is decided in the domain (own account or manage-accounts); every route needs an app.
  const config = { auth: 'app' as const };
  // Writes share the accountData limits, counted per account id.
  const writes = { ...config, limit: 'accountData' as const };

  app.get(
    base,
    {
      schema: {
        tags,
        summary: "An account's attributes, paged, sorted and filtered",
        params: AccountIdParams,
        querystring: CollectionQuery,
        response: { 200: CustomerAttributeCollection, ...errorResponses },
      },
      config,
    },
    async (req) => attributes.list(await callContext(req), req.params.accountId, req.query),
  );

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Set an attribute the account does not have yet (409 when it has)',
        params: AccountIdParams,
        querystring: UserQuery,
        body: CustomerAttributeInput,
        response: { 200: CustomerAttribute, ...errorResponses },
      },
      config: writes,
    },
    async (req) => attributes.add(await callContext(req), req.params.accountId, req.body),
  );

  app.get(
    one,
    {
      schema: {
        tags,
        summary: "One of the account's attributes",
        params: AttributeParams,
        querystring: UserQuery,
        response: { 200: CustomerAttribute, ...errorResponses },
      },
      config,
    },
    async (req) => attributes.get(await callContext(req), req.params.accountId, req.params.attributeFQN),
  );

  app.put(
    one,
    {
      schema: {
        tags,
        summary: "Replace an attribute's values (404 when the account does not have it)",
        params: AttributeParams,
        querystring: UserQuery,
        body: CustomerAttributeInput,
        response: { 200: CustomerAttribute, ...errorResponses },
      },
      config: writes,
    },
    async (req) => attributes.update(await callContext(req), req.params.accountId, req.params.attributeFQN, req.body),
  );

  app.delete(
    one,
    {
      schema: {
        tags,
        summary: 'Remove an attribute from the account',
        params: AttributeParams,
        querystring: UserIdQuery,
        response: { 204: NoContent, ...errorResponses },
      },
      config: writes,
    },
    async (req, reply) => {
      await attributes.remove(await callContext(req), req.params.accountId, req.params.attributeFQN);
      return reply.status(204).send(null);
    },
  );
};

/**
 * The read-only attribute definition routes the official client calls
 * (CustomerAttributeDefinitionApi, CustomerAccountAttributeDefinitionsApi). Definitions come from
 * the tenant's configuration; creating or changing one over HTTP is not offered (405).
 */
export const attributeDefinitionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const fields = {
    attributeFQN: (d: AttributeDefinition) => d.attributeFQN,
    attributeCode: (d: AttributeDefinition) => d.attributeCode,
    namespace: (d: AttributeDefinition) => d.namespace,
    adminName: (d: AttributeDefinition) => d.adminName,
    dataType: (d: AttributeDefinition) => d.dataType,
    valueType: (d: AttributeDefinition) => d.valueType,
    isActive: (d: AttributeDefinition) => d.isActive,
    isRequired: (d: AttributeDefinition) => d.isRequired,
    order: (d: AttributeDefinition) => d.order,
    id: (d: AttributeDefinition) => d.id,
  };
  for (const prefix of ['attributedefinition', 'accountattributedefinition']) {
    const defs = `/api/commerce/customer/${prefix}/attributes`;
    app.get(
      defs,
      {
        schema: {
          tags,
          summary: "The tenant's customer attribute definitions",
          querystring: DefinitionQuery,
          response: { 200: AttributeDefinitionCollection, ...errorResponses },
        },
        config: { auth: 'app' },
      },
      async (req) => {
        const page = pageOf((await callContext(req)).tenant.attributeDefinitions, req.query, fields);
        return { ...page, items: page.items.map(wireDefinition) };
      },
    );
    app.get(
      `${defs}/:attributeFQN`,
      {
        schema: {
          tags,
          summary: 'One customer attribute definition',
          params: AttributeFqnParams,
          querystring: DefinitionOneQuery,
          response: { 200: AttributeDefinitionSchema, ...errorResponses },
        },
        config: { auth: 'app' },
      },
      async (req) => {
        const def = findDefinition((await callContext(req)).tenant.attributeDefinitions, req.params.attributeFQN);
        if (!def) throw new KiboError('ITEM_NOT_FOUND', `Attribute ${req.params.attributeFQN} not found`);
        return wireDefinition(def);
      },
    );
  }
};
