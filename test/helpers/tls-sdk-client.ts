// Run as a child process by test/http/tls.test.ts, with NODE_EXTRA_CA_CERTS naming the test CA
// (Node reads it only at start). Drives the unmodified official client configured the way Kibo's
// docs do it — tenant, site, client id, shared secret and auth host, no apiHost, no ready token —
// so every URL it builds is https://{authHost} or https://{tenant.domain}.
import { Configuration } from '@kibocommerce/rest-sdk';
import { CustomerAccountApi, StorefrontAuthTicketApi } from '@kibocommerce/rest-sdk/clients/Customer/index.js';

const { AUTH_HOST, CLIENT_ID, CLIENT_SECRET, EMAIL, PASSWORD } = process.env as Record<string, string>;
const base = { tenantId: 1, siteId: 1, clientId: CLIENT_ID, sharedSecret: CLIENT_SECRET, authHost: AUTH_HOST };
const conf = (extra: object = {}) =>
  new Configuration({ ...base, ...extra } as ConstructorParameters<typeof Configuration>[0]);

const signup = await new CustomerAccountApi(conf()).addAccountAndLogin({
  customerAccountAndAuthInfo: { account: { emailAddress: EMAIL, firstName: 'Ada' }, password: PASSWORD },
});
const login = await new StorefrontAuthTicketApi(conf()).createUserAuthTicket({
  customerUserAuthInfo: { username: EMAIL, password: PASSWORD },
});
const refreshed = await new StorefrontAuthTicketApi(conf()).refreshUserAuthTicket({
  refreshToken: login.refreshToken!,
});
// With an app credential configured the client drops userClaims, so the shopper's JWT (app and
// shopper at once) is the way to call a shopper route.
const me = await new CustomerAccountApi(conf({ accessToken: refreshed.jwtAccessToken })).getCurrentAccount({});
process.stdout.write(
  JSON.stringify({
    signupId: signup.customerAccount?.id,
    loginId: login.customerAccount?.id,
    refreshedDiffers: refreshed.refreshToken !== login.refreshToken && Boolean(refreshed.jwtAccessToken),
    currentEmail: me.emailAddress,
  }),
);
