import type { FastifyInstance } from 'fastify';
import type { SiteConfig } from '../../config/load.ts';

/**
 * The service's own public API, called the way a storefront back end calls it: an app token from
 * the client-credentials exchange (kept here, server side), then the Kibo shopper routes with the
 * shopper's JWT. Requests go through `app.inject`, i.e. through the same routing, credentials,
 * rate limits and audit as any HTTP caller, with the shopper's IP and user agent passed on so that
 * per-IP limits and new-device 2FA see the shopper, not this server. Swap `inject` for `fetch`
 * to a base URL and this file works from another process unchanged.
 */

/** A refusal from the API: its status and Kibo error code, and its message. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRefusal';
  }
}

export interface WireAccount {
  id: number;
  userId: string;
  userName?: string | null;
  emailAddress?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  isAnonymous?: boolean;
}

/** CustomerAuthTicket; a 2FA challenge has only accessToken (the challenge token), userId and requires2FA. */
export interface WireTicket {
  accessToken: string;
  accessTokenExpiration: string;
  jwtAccessToken?: string;
  refreshToken?: string;
  requires2FA: boolean;
  userId: string;
  customerAccount?: WireAccount;
}

export interface WireContact {
  id: number;
  firstName: string | null;
  lastNameOrSurname: string | null;
  email: string | null;
  address: {
    address1: string | null;
    cityOrTown: string | null;
    postalOrZipCode: string | null;
    countryCode: string | null;
  } | null;
}

/** Who is on the other side of the page: passed on so the API's limits and device checks see them. */
export interface Visitor {
  ip: string;
  userAgent?: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export function createStorefrontApi(app: FastifyInstance) {
  const appTokens = new Map<string, { token: string; until: number }>();

  async function send<T>(
    site: SiteConfig,
    visitor: Visitor,
    method: Method,
    url: string,
    opts: { bearer?: string; userClaims?: string; body?: unknown } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      'x-vol-tenant': String(site.tenantId),
      'x-vol-site': String(site.id),
    };
    if (visitor.userAgent) headers['user-agent'] = visitor.userAgent;
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    if (opts.userClaims) headers['x-vol-user-claims'] = opts.userClaims;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.inject({
      method,
      url,
      headers,
      remoteAddress: visitor.ip,
      ...(opts.body !== undefined ? { payload: JSON.stringify(opts.body) } : {}),
    });
    const json = res.body ? (JSON.parse(res.body) as unknown) : undefined;
    if (res.statusCode >= 400) {
      const e = (json ?? {}) as { errorCode?: string; message?: string };
      throw new ApiRefusal(res.statusCode, e.errorCode ?? 'ERROR', e.message ?? `HTTP ${res.statusCode}`);
    }
    return json as T;
  }

  /** The pages' app token for the site's tenant, renewed a minute before it ends. */
  async function appToken(site: SiteConfig, visitor: Visitor): Promise<string> {
    const { clientId, clientSecret } = site.pages;
    if (!clientId || !clientSecret) throw new Error('the pages of this site have no app');
    const held = appTokens.get(clientId);
    if (held && held.until > Date.now()) return held.token;
    const r = await send<{ access_token: string; expires_in: number }>(
      site,
      visitor,
      'POST',
      '/api/platform/applications/authtickets/oauth',
      { body: { client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' } },
    );
    appTokens.set(clientId, { token: r.access_token, until: Date.now() + (r.expires_in - 60) * 1000 });
    return r.access_token;
  }

  const accounts = '/api/commerce/customer/accounts';
  const tickets = '/api/commerce/customer/authtickets';
  const q = (v: string) => encodeURIComponent(v);

  /** Calls made as the app alone (sign-in steps, sign-up, reset), or as a guest when `guestJwt` is given. */
  const asApp = async <T>(
    site: SiteConfig,
    v: Visitor,
    method: Method,
    url: string,
    opts: { body?: unknown; userClaims?: string; guestJwt?: string } = {},
  ) => {
    if (opts.guestJwt) return send<T>(site, v, method, url, { ...opts, bearer: opts.guestJwt });
    try {
      return await send<T>(site, v, method, url, { ...opts, bearer: await appToken(site, v) });
    } catch (err) {
      // The app token ended by the API's clock before ours said so: a new one, and once more.
      if (!(err instanceof ApiRefusal) || err.errorCode !== 'TOKEN_EXPIRED') throw err;
      appTokens.delete(site.pages.clientId ?? '');
      return send<T>(site, v, method, url, { ...opts, bearer: await appToken(site, v) });
    }
  };

  return {
    anonymous: (site: SiteConfig, v: Visitor) => asApp<WireTicket>(site, v, 'GET', `${tickets}/anonymousshopper`),
    /** A guest's JWT as the credential links the guest to the account (the new JWT says `prevAnonymousId`). */
    login: (site: SiteConfig, v: Visitor, username: string, password: string, guestJwt?: string) =>
      asApp<WireTicket>(site, v, 'POST', tickets, { body: { username, password }, guestJwt }),
    signUp: (
      site: SiteConfig,
      v: Visitor,
      account: { emailAddress: string; userName: string; firstName?: string; lastName?: string },
      password: string,
    ) => asApp<WireTicket>(site, v, 'POST', `${accounts}/Add-Account-And-Login`, { body: { account, password } }),
    finish2fa: (site: SiteConfig, v: Visitor, challengeToken: string, otpCode: string) =>
      asApp<WireTicket>(site, v, 'POST', `${tickets}/2fa/auth`, { body: { otpCode }, userClaims: challengeToken }),
    resend2fa: (site: SiteConfig, v: Visitor, challengeToken: string) =>
      asApp<void>(site, v, 'POST', `${tickets}/2fa/request`, { body: {}, userClaims: challengeToken }),
    requestOtp: (site: SiteConfig, v: Visitor, email: string) =>
      asApp<void>(site, v, 'POST', `${tickets}/otp/request`, { body: { email } }),
    loginOtp: (site: SiteConfig, v: Visitor, email: string, otpCode: string) =>
      asApp<WireTicket>(site, v, 'POST', `${tickets}/otp/auth`, { body: { email, otpCode } }),
    requestReset: (site: SiteConfig, v: Visitor, emailAddress: string) =>
      asApp<void>(site, v, 'POST', `${accounts}/Reset-Password`, { body: { emailAddress } }),
    completeReset: (site: SiteConfig, v: Visitor, userName: string, confirmationCode: string, newPassword: string) =>
      asApp<void>(site, v, 'POST', `${accounts}/Update-Forgotten-Password`, {
        body: { userName, confirmationCode, newPassword },
      }),
    refresh: (site: SiteConfig, v: Visitor, refreshToken: string) =>
      asApp<WireTicket>(site, v, 'PUT', `${tickets}/refresh?refreshToken=${q(refreshToken)}`),
    logout: (site: SiteConfig, v: Visitor, refreshToken: string) =>
      asApp<void>(site, v, 'DELETE', `${tickets}?refreshToken=${q(refreshToken)}`),

    // The shopper's own data: their JWT carries the app and the shopper.
    current: (site: SiteConfig, v: Visitor, jwt: string) =>
      send<WireAccount>(site, v, 'GET', `${accounts}/current`, { bearer: jwt }),
    changePassword: (
      site: SiteConfig,
      v: Visitor,
      jwt: string,
      accountId: number,
      oldPassword: string,
      newPassword: string,
    ) =>
      send<void>(site, v, 'POST', `${accounts}/${accountId}/Change-Password`, {
        bearer: jwt,
        body: { oldPassword, newPassword },
      }),
    contacts: (site: SiteConfig, v: Visitor, jwt: string, accountId: number) =>
      send<{ items: WireContact[] }>(site, v, 'GET', `${accounts}/${accountId}/contacts?pageSize=50`, { bearer: jwt }),
    addContact: (site: SiteConfig, v: Visitor, jwt: string, accountId: number, contact: object) =>
      send<WireContact>(site, v, 'POST', `${accounts}/${accountId}/contacts`, { bearer: jwt, body: contact }),
    removeContact: (site: SiteConfig, v: Visitor, jwt: string, accountId: number, contactId: number) =>
      send<void>(site, v, 'DELETE', `${accounts}/${accountId}/contacts/${contactId}`, { bearer: jwt }),
  };
}
export type StorefrontApi = ReturnType<typeof createStorefrontApi>;
