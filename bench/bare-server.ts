/**
 * The necessary-work ceiling (issue #16): a bare Fastify server (no plugins, no logger, no schema)
 * that does the cryptography the contract demands of each answer and nothing else — no database,
 * no lookups. Run as its own process by bench/ceiling.ts so it never shares an event loop with
 * autocannon. Env: PORT, SAMPLES_FILE (JSON `{ "<route>": { body, jwtField?, tokenFields?, verify? } }`,
 * built from the real service's answers). Per route:
 *   - a ticket route (guest, refresh, app token) signs one ES256 JWT with the sample JWT's claims
 *     (fresh iat/exp) and mints and hashes (SHA-256) as many opaque tokens as the sample carries, then
 *     answers the sample body with them in place — the same bytes on the wire;
 *   - a verify route (session check) verifies one ES256 JWT and answers the sample body.
 * Signing and verifying use node:crypto's one-shot calls, the cheapest way in Node.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import fs from 'node:fs';
import Fastify from 'fastify';

interface Sample {
  body: Record<string, unknown>;
  /** The body field holding a JWT to re-sign per request (a ticket route). */
  jwtField?: string;
  /** Body fields holding opaque tokens to mint and hash per request. */
  tokenFields?: string[];
  /** A JWT to verify per request (a verify route). */
  verify?: string;
}

const samples = JSON.parse(fs.readFileSync(process.env.SAMPLES_FILE ?? '', 'utf8')) as Record<string, Sample>;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
const header = b64(JSON.stringify({ alg: 'ES256', kid: 'bench', typ: 'JWT' }));

function signJwt(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${header}.${b64(JSON.stringify({ ...claims, iat: now, exp: now + 3600 }))}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

function verifyJwt(token: string): boolean {
  const dot = token.lastIndexOf('.');
  return verify(
    'sha256',
    Buffer.from(token.slice(0, dot)),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(token.slice(dot + 1), 'base64url'),
  );
}

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;

const app = Fastify();
app.get('/ok', async () => ({ status: 'ok' }));
for (const [name, s] of Object.entries(samples)) {
  if (s.verify !== undefined) {
    // The service's tokens are signed by its key: sign the same claims with ours once, verify per request.
    const token = signJwt(claimsOf(s.verify));
    app.get(`/${name}`, async (_req, reply) => {
      if (!verifyJwt(token)) return reply.code(401).send({ error: 'bad signature' });
      return s.body;
    });
    continue;
  }
  const claims = s.jwtField ? claimsOf(String(s.body[s.jwtField])) : undefined;
  app.get(`/${name}`, async () => {
    const body = { ...s.body };
    if (s.jwtField && claims) body[s.jwtField] = signJwt(claims);
    for (const f of s.tokenFields ?? []) {
      const token = randomBytes(32).toString('base64url');
      // The hash is what a real route stores; computing it is part of the necessary work.
      createHash('sha256').update(token).digest('hex');
      body[f] = token;
    }
    return body;
  });
}
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void app.close().then(() => process.exit(0)));
