import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ContactService, StoredContact } from '../../domain/contacts/service.ts';
import { callContext } from '../context.ts';
import { AccountIdParams, errorResponses, NoContent, ResponseFieldsQuery, UserQuery } from '../schemas/common.ts';
import {
  CollectionQuery,
  ContactParams,
  CustomerContact,
  CustomerContactCollection,
  CustomerContactInput,
  CustomerContactInputList,
} from '../schemas/contacts.ts';

/** `{accountId}` takes digits only, so `/accounts/Bulk` and other words are never an account id. */
export const ACCOUNT = '/api/commerce/customer/accounts/:accountId(^\\d+)';
const base = `${ACCOUNT}/contacts`;
const one = `${base}/:contactId(^\\d+)`;
const tags = ['contacts'];

const wire = (accountId: number) => (c: StoredContact) => ({ ...c, accountId });

/**
 * An account's address book (Kibo's CustomerContact routes): the shopper's own (JWT or opaque
 * token) or any account of the caller's tenant and customer set for a manage-accounts app.
 */
export const contactRoutes: FastifyPluginAsyncTypebox<{ contacts: ContactService }> = async (app, { contacts }) => {
  // Who may call is decided in the domain (own account or manage-accounts); every route needs an app.
  const config = { auth: 'app' as const };
  // Writes share the accountData limits, counted per account id.
  const writes = { ...config, limit: 'accountData' as const };

  app.get(
    base,
    {
      schema: {
        tags,
        summary: "An account's contacts (address book), paged, sorted and filtered",
        params: AccountIdParams,
        querystring: CollectionQuery,
        response: { 200: CustomerContactCollection, ...errorResponses },
      },
      config,
    },
    async (req) => {
      const page = await contacts.list(await callContext(req), req.params.accountId, req.query);
      return { ...page, items: page.items.map(wire(req.params.accountId)) };
    },
  );

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Add a contact (email and at least one type are required)',
        params: AccountIdParams,
        querystring: ResponseFieldsQuery,
        body: CustomerContactInput,
        response: { 200: CustomerContact, ...errorResponses },
      },
      config: writes,
    },
    async (req) =>
      wire(req.params.accountId)(await contacts.add(await callContext(req), req.params.accountId, req.body)),
  );

  app.put(
    base,
    {
      schema: {
        tags,
        summary: 'Add a list of contacts at once, all or none',
        params: AccountIdParams,
        querystring: ResponseFieldsQuery,
        body: CustomerContactInputList,
        response: { 200: CustomerContactCollection, ...errorResponses },
      },
      config: writes,
    },
    async (req) => {
      const page = await contacts.addMany(await callContext(req), req.params.accountId, req.body);
      return { ...page, items: page.items.map(wire(req.params.accountId)) };
    },
  );

  app.get(
    one,
    {
      schema: {
        tags,
        summary: 'One contact',
        params: ContactParams,
        querystring: UserQuery,
        response: { 200: CustomerContact, ...errorResponses },
      },
      config,
    },
    async (req) =>
      wire(req.params.accountId)(
        await contacts.get(await callContext(req), req.params.accountId, req.params.contactId),
      ),
  );

  app.put(
    one,
    {
      schema: {
        tags,
        summary: 'Replace a contact; a type it is primary for stops being primary on every other contact',
        params: ContactParams,
        querystring: UserQuery,
        body: CustomerContactInput,
        response: { 200: CustomerContact, ...errorResponses },
      },
      config: writes,
    },
    async (req) =>
      wire(req.params.accountId)(
        await contacts.update(await callContext(req), req.params.accountId, req.params.contactId, req.body),
      ),
  );

  app.delete(
    one,
    {
      schema: {
        tags,
        summary: 'Delete a contact',
        params: ContactParams,
        response: { 204: NoContent, ...errorResponses },
      },
      config: writes,
    },
    async (req, reply) => {
      await contacts.remove(await callContext(req), req.params.accountId, req.params.contactId);
      return reply.status(204).send(null);
    },
  );
};
