import { StorefrontAuthTicketApi, CustomerAccountApi } from '@kibocommerce/rest-sdk/clients/Customer/index.js';
import type { TestServer } from './server.ts';

/** The official client's APIs, pointed at a test server with the given token. */
export function sdkApis(s: TestServer, opts: Parameters<TestServer['sdk']>[0]) {
  const conf = s.sdk(opts);
  return { tickets: new StorefrontAuthTicketApi(conf), accounts: new CustomerAccountApi(conf) };
}

/** Runs `fn` expecting the SDK to throw a ResponseError; returns its status and Kibo errorCode. */
export async function sdkError(
  fn: () => Promise<unknown>,
): Promise<{ status: number; errorCode: string; message: string }> {
  try {
    await fn();
  } catch (err) {
    const e = err as {
      name?: string;
      response?: { status: number };
      apiError?: { errorCode: string; message: string };
    };
    if (e.name !== 'ResponseError' || !e.response || !e.apiError) throw err;
    return { status: e.response.status, errorCode: e.apiError.errorCode, message: e.apiError.message };
  }
  throw new Error('expected the SDK call to fail');
}

let seq = 0;
/** A unique, valid new shopper. */
export function newShopper(prefix = 'shopper') {
  seq += 1;
  const id = `${prefix}${Date.now().toString(36)}${seq}`;
  return { email: `${id}@example.com`, password: `Passw0rd-${id}`, firstName: 'Ada', lastName: 'Lovelace' };
}
