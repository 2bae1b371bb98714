import type { TestServer } from './server.ts';
import { newShopper, sdkApis } from './sdk.ts';

export interface SignupOptions {
  /** How the generated email address starts (newShopper); default 'sec'. */
  prefix?: string;
  /** The site signed up on; default 1. */
  siteId?: number;
  /** More account fields (firstName, acceptsMarketing…) beside the email and user name. */
  account?: Record<string, unknown>;
  /** The device the sign-up comes from (CONTRACT §5). */
  device?: { fingerprint?: string; region?: string };
}

/** Who signed up, and the ticket they got. */
export type Shopper = Awaited<ReturnType<typeof signup>>;

/**
 * A new shopper signed up through the official SDK (Add-Account-And-Login), with a user name
 * `<local part>-un`; answers who (email, password, user name, account id) and the ticket.
 * `opts` may be just the email prefix.
 */
export async function signup(s: TestServer, appToken: string, opts: SignupOptions | string = {}) {
  const { prefix = 'sec', siteId, account, device } = typeof opts === 'string' ? { prefix: opts } : opts;
  const u = newShopper(prefix);
  const userName = `${u.email.split('@')[0]}-un`;
  const ticket = await sdkApis(s, { accessToken: appToken, siteId }).accounts.addAccountAndLogin({
    customerAccountAndAuthInfo: {
      account: { emailAddress: u.email, userName, ...account },
      password: u.password,
      ...device,
    },
  });
  const accountId = ticket.customerAccount!.id!;
  return { ...u, userName, accountId, ticket };
}

/** A password login through the official SDK. */
export function login(s: TestServer, appToken: string, username: string, password: string) {
  return sdkApis(s, { accessToken: appToken }).tickets.createUserAuthTicket({
    customerUserAuthInfo: { username, password },
  });
}
