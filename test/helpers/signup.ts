import type { TestServer } from './server.ts';
import { newShopper, sdkApis } from './sdk.ts';

/** A new shopper signed up through the official SDK (Add-Account-And-Login); answers who and the ticket. */
export async function signup(s: TestServer, appToken: string, prefix = 'sec') {
  const u = newShopper(prefix);
  const ticket = await sdkApis(s, { accessToken: appToken }).accounts.addAccountAndLogin({
    customerAccountAndAuthInfo: {
      account: { emailAddress: u.email, userName: `${u.email.split('@')[0]}-un` },
      password: u.password,
    },
  });
  const accountId = ticket.customerAccount!.id!;
  return { ...u, userName: `${u.email.split('@')[0]}-un`, accountId, ticket };
}

/** A password login through the official SDK. */
export function login(s: TestServer, appToken: string, username: string, password: string) {
  return sdkApis(s, { accessToken: appToken }).tickets.createUserAuthTicket({
    customerUserAuthInfo: { username, password },
  });
}
