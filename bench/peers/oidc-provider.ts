/**
 * Peer for `npm run bench -- --peers` (issue #16): oidc-provider on PostgreSQL (bench/peers/
 * oidc-pg-adapter.ts), in its own process. One confidential client; client_credentials gives a JWT
 * access token (ES256, through resource indicators — like our app token, nothing to store for it);
 * refresh_token rotates (rotateRefreshToken) and answers a JWT access token and a new refresh token.
 * Refresh tokens come from a bench-only route, POST /bench/mint?n=…, which saves them as the
 * authorization-code grant would (one grant, n tokens): there is no browser in a load test.
 * Env: PORT, DATABASE_URL (an empty database the bench made; the table is created here).
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';
import pg from 'pg';
import { OIDC_SCHEMA, pgAdapter } from './oidc-pg-adapter.ts';

const OIDC_CLIENT = { id: 'bench-client', secret: 'bench-client-secret' };
const RESOURCE = 'urn:bench:api';
const ACCOUNT = 'bench-shopper';

const port = Number(process.env.PORT);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(OIDC_SCHEMA);

const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const provider = new Provider(`http://127.0.0.1:${port}`, {
  adapter: pgAdapter(pool),
  clients: [
    {
      client_id: OIDC_CLIENT.id,
      client_secret: OIDC_CLIENT.secret,
      grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
      response_types: ['code'],
      redirect_uris: ['https://storefront.example/cb'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [{ ...jwk, kid: 'bench', use: 'sig', alg: 'ES256' }] },
  findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  scopes: ['openid', 'offline_access', 'api'],
  rotateRefreshToken: true,
  features: {
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  ttl: { RefreshToken: 30 * 24 * 3600, ClientCredentials: 3600, AccessToken: 3600, Grant: 30 * 24 * 3600 },
});

/** n refresh tokens of one grant, as the code flow would have saved them. */
async function mint(n: number): Promise<string[]> {
  const client = await provider.Client.find(OIDC_CLIENT.id);
  if (!client) throw new Error('bench client missing');
  const grant = new provider.Grant({ accountId: ACCOUNT, clientId: OIDC_CLIENT.id });
  grant.addOIDCScope('offline_access');
  grant.addResourceScope(RESOURCE, 'api');
  const grantId = await grant.save();
  const out: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () =>
      new provider.RefreshToken({
        client,
        accountId: ACCOUNT,
        grantId,
        gty: 'authorization_code',
        scope: 'offline_access api',
        resource: RESOURCE,
      }).save(),
    );
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url === '/ok') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  if (req.method === 'POST' && req.url?.startsWith('/bench/mint')) {
    const n = Number(new URL(req.url, 'http://x').searchParams.get('n') ?? 1);
    mint(n).then(
      (tokens) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tokens)),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
    return;
  }
  void callback(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => server.close(() => void pool.end().then(() => process.exit(0))));
