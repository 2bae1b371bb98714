import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer, STOREFRONT } from '../helpers/server.ts';
import { pino, type DestinationStream, type LoggerOptions } from 'pino';
import { loggerOptions, redactUrl } from '../../src/http/plugins/logging.ts';

/** Secrets a caller may send; none of them may reach a log line. Distinctive so a match is real. */
const SECRETS = {
  refreshQuery: 'SECRETVALUE-refreshq-7f3a91',
  refreshPath: 'SECRETVALUE-refreshp-c02b44',
  password: 'SECRETVALUE-password-19d2e0',
  clientSecret: 'SECRETVALUE-clientsecret-a8b7',
  userClaims: 'SECRETVALUE-userclaims-55e1',
  otp: 'SECRETVALUE-otp-3141',
};

describe('log lines carry no credentials', () => {
  const s = useTestServer({ env: { LOG_LEVEL: 'trace' } });
  before(async () => {
    // debug level: the most a production operator would turn on.
  });

  it('redacts tokens, claims, passwords and secrets in headers, URLs and bodies', async () => {
    const tokenSignature = s.storefrontToken.split('.')[2];
    const send = [
      s.request('GET', '/api/platform/tenants/1', { headers: { authorization: `Bearer ${s.storefrontToken}` } }),
      s.request('GET', '/api/commerce/customer/accounts/current', {
        headers: { 'x-vol-app-claims': s.storefrontToken, 'x-vol-user-claims': SECRETS.userClaims },
      }),
      s.request('PUT', `/api/commerce/customer/authtickets/refresh?refreshToken=${SECRETS.refreshQuery}&accountId=1`, {
        headers: { authorization: `Bearer ${s.storefrontToken}` },
      }),
      s.request('PUT', `/api/commerce/customer/authtickets/refresh?RefreshToken=${SECRETS.refreshQuery}`, {
        headers: { authorization: `Bearer ${s.storefrontToken}` },
      }),
      s.request('DELETE', `/api/commerce/customer/authtickets?refreshToken=${SECRETS.refreshQuery}`, {
        headers: { authorization: `Bearer ${s.storefrontToken}` },
      }),
      s.request('DELETE', `/api/platform/applications/authtickets/${SECRETS.refreshPath}`),
      s.request('DELETE', `/API/Platform/Applications/AuthTickets/${SECRETS.refreshPath}`),
      s.request('POST', '/api/platform/applications/authtickets/oauth', {
        body: { client_id: STOREFRONT.clientId, client_secret: SECRETS.clientSecret, grant_type: 'client_credentials' },
      }),
      // A body that fails validation: validation errors must not echo the value either.
      s.request('POST', '/api/platform/applications/authtickets/oauth', {
        body: {
          client_id: STOREFRONT.clientId,
          client_secret: SECRETS.clientSecret,
          grant_type: 'password',
          password: SECRETS.password,
        },
      }),
      s.request('POST', '/api/commerce/customer/authtickets', {
        headers: { authorization: `Bearer ${s.storefrontToken}` },
        body: { username: 'someone@example.com', password: SECRETS.password },
      }),
      s.request('POST', '/api/commerce/customer/authtickets/2fa/auth', {
        headers: { authorization: `Bearer ${s.storefrontToken}` },
        body: { userId: 'u', otpCode: SECRETS.otp },
      }),
      // Unparseable JSON containing a secret.
      s.request('POST', '/api/platform/applications/authtickets/oauth', {
        raw: `{"client_secret": "${SECRETS.clientSecret}"`,
        headers: { 'content-type': 'application/json' },
      }),
    ];
    const answers = await Promise.all(send);
    assert.ok(
      answers.every((a) => a.status < 500),
      answers.map((a) => a.status).join(','),
    );
    // The server did log these requests (so the check below is not vacuous).
    assert.ok(
      s.logs.some((l) => l.includes('/api/platform/applications/authtickets/[REDACTED]')),
      'the revoke URL was logged, redacted',
    );
    assert.ok(
      s.logs.some((l) => l.includes('refreshToken=[REDACTED]')),
      'the refresh URL was logged, redacted',
    );
    assert.ok(s.logs.some((l) => l.includes('"url":"/api/commerce/customer/accounts/current"')));

    const leaks: string[] = [];
    for (const line of s.logs) {
      for (const [name, secret] of Object.entries({
        ...SECRETS,
        appTokenSignature: tokenSignature,
        appToken: s.storefrontToken,
      })) {
        if (line.includes(secret)) leaks.push(`${name}: ${line.slice(0, 300)}`);
      }
    }
    assert.deepEqual(leaks, []);
  });
});

describe('redactUrl', () => {
  it('hides secret query values, any case, and keeps the rest', () => {
    assert.equal(redactUrl('/a?refreshToken=abc&accountId=3'), '/a?refreshToken=[REDACTED]&accountId=3');
    assert.equal(redactUrl('/a?REFRESHTOKEN=abc'), '/a?REFRESHTOKEN=[REDACTED]');
    assert.equal(
      redactUrl('/a?x=1&password=p&client_secret=s&code=c'),
      '/a?x=1&password=[REDACTED]&client_secret=[REDACTED]&code=[REDACTED]',
    );
    assert.equal(redactUrl('/a?refresh%54oken=abc'), '/a?refresh%54oken=[REDACTED]', 'percent-encoded names too');
  });

  it('hides the refresh token in the app revoke path but not the fixed routes', () => {
    assert.equal(
      redactUrl('/api/platform/applications/authtickets/tok123'),
      '/api/platform/applications/authtickets/[REDACTED]',
    );
    assert.equal(
      redactUrl('/api/platform/applications/authtickets/oauth'),
      '/api/platform/applications/authtickets/oauth',
    );
    assert.equal(
      redactUrl('/api/platform/applications/authtickets/refresh-ticket?x=1'),
      '/api/platform/applications/authtickets/refresh-ticket?x=1',
    );
    assert.equal(
      redactUrl('/api/platform/applications/authtickets/OAuthXyZ123'),
      '/api/platform/applications/authtickets/[REDACTED]',
      'a token that starts like a route name',
    );
    assert.equal(
      redactUrl('/api/platform/applications/authtickets/refresh-ticketABC'),
      '/api/platform/applications/authtickets/[REDACTED]',
    );
  });
});

describe('the logger redacts secret keys at any depth', () => {
  it('hides a password or token at the top level, one level down and two levels down', () => {
    const lines: string[] = [];
    const opts = loggerOptions('info', {
      write: (l: string) => {
        lines.push(l);
      },
    }) as LoggerOptions & { stream: DestinationStream };
    const log = pino(opts, opts.stream);
    log.info(
      {
        password: 'top-secret-1',
        body: { refreshToken: 'one-down-2', input: { otpCode: 'two-down-3', jwtAccessToken: 'two-down-4' } },
        userName: 'kept',
      },
      'x',
    );
    assert.equal(lines.length, 1);
    for (const secret of ['top-secret-1', 'one-down-2', 'two-down-3', 'two-down-4'])
      assert.ok(!lines[0].includes(secret), `${secret} leaked: ${lines[0]}`);
    const line = JSON.parse(lines[0]);
    assert.equal(line.password, '[REDACTED]');
    assert.equal(line.body.refreshToken, '[REDACTED]');
    assert.equal(line.body.input.otpCode, '[REDACTED]');
    assert.equal(line.userName, 'kept', 'other keys are left alone');
  });
});
