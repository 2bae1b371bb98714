import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../../domain/clock.ts';
import type { BulkAccounts } from '../../domain/accounts/bulk.ts';
import { MANAGE } from '../../config/schema.ts';
import { toCustomerAccount } from '../shapes/account.ts';
import { callContext } from '../context.ts';
import { errorResponses, ResponseFieldsQuery } from '../schemas/common.ts';
import {
  AccountPasswordInfoCollection,
  BulkAccountsBody,
  BulkAccountsResult,
  ChangePasswordResultCollection,
} from '../schemas/bulk.ts';

const base = '/api/commerce/customer/accounts';
const tags = ['accounts'];

/** The admin bulk routes (manage-accounts): add many accounts, change many passwords. */
export const bulkAccountRoutes: FastifyPluginAsyncTypebox<{ bulk: BulkAccounts; clock: Clock }> = async (
  app,
  { bulk, clock },
) => {
  app.post(
    `${base}/Bulk`,
    {
      schema: {
        tags,
        summary: 'Add many accounts; each item is made (or fails) on its own',
        description:
          'Answers the accounts made, in request order, as a CustomerAccountCollection; items that failed ' +
          '(a taken email, a weak password) are listed in `errors` by their index in the request.',
        querystring: ResponseFieldsQuery,
        body: BulkAccountsBody,
        response: { 200: BulkAccountsResult, ...errorResponses },
      },
      config: { auth: 'app', behavior: MANAGE, limit: 'accountData' },
    },
    async (req) => {
      const { created, failures } = await bulk.addAccounts(await callContext(req), req.body);
      const now = clock.now();
      return {
        startIndex: 0,
        pageSize: created.length,
        pageCount: 1,
        totalCount: created.length,
        items: created.map((row) => toCustomerAccount(row, now)),
        errors: failures,
      };
    },
  );

  app.post(
    `${base}/Change-Passwords`,
    {
      schema: {
        tags,
        summary: 'Change (or set) the passwords of many accounts; one result per item',
        querystring: ResponseFieldsQuery,
        body: AccountPasswordInfoCollection,
        response: { 200: ChangePasswordResultCollection, ...errorResponses },
      },
      config: { auth: 'app', behavior: MANAGE, limit: 'accountData' },
    },
    async (req) => {
      const items = await bulk.changePasswords(await callContext(req), req.body.items);
      return { totalCount: items.length, items };
    },
  );
};
