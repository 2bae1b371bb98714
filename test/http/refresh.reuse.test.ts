import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../helpers/server.ts';
import { signup } from '../helpers/signup.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';

/**
 * Refresh-token reuse, the theft response: a spent token used again revokes its whole chain.
 * @see src/store/repos/sessions.ts rotateRefresh (the spend and its successor in one statement)
 * @see src/domain/tickets/service.ts revokeReusedChain
 */
describe('refresh-token reuse through the official SDK', () => {
  const s = useTestServer();
  const asShopper = { prefix: 'shopper', account: { firstName: 'Ada', lastName: 'Lovelace', acceptsMarketing: true } };

  it('rotates refresh tokens; reusing a rotated one revokes the whole chain', async () => {
    const { ticket } = await signup(s, s.storefrontToken, asShopper);
    const { tickets, accounts } = sdkApis(s, { accessToken: s.storefrontToken });
    const r1 = await tickets.refreshUserAuthTicket({
      refreshToken: ticket.refreshToken!,
      accountId: ticket.customerAccount!.id,
    });
    assert.notEqual(r1.refreshToken, ticket.refreshToken);
    assert.notEqual(r1.accessToken, ticket.accessToken);
    assert.equal(r1.customerAccount?.id, ticket.customerAccount?.id);
    const r2 = await tickets.refreshUserAuthTicket({ refreshToken: r1.refreshToken! });
    const reuse = await sdkError(() => tickets.refreshUserAuthTicket({ refreshToken: ticket.refreshToken! }));
    assert.equal(reuse.status, 401);
    // the newest refresh token and access tokens of the chain are dead too
    const after = await sdkError(() => tickets.refreshUserAuthTicket({ refreshToken: r2.refreshToken! }));
    assert.equal(after.status, 401);
    const me = await sdkError(() => sdkApis(s, { accessToken: r2.jwtAccessToken! }).accounts.getCurrentAccount({}));
    assert.equal(me.status, 401);
    void accounts;
  });

  it('lets exactly one of two parallel refreshes of one token win', async () => {
    const { ticket } = await signup(s, s.storefrontToken, asShopper);
    const { tickets } = sdkApis(s, { accessToken: s.storefrontToken });
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => tickets.refreshUserAuthTicket({ refreshToken: ticket.refreshToken! })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });
});
