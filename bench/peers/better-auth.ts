/**
 * Peer for `npm run bench -- --peers` (issue #16): better-auth on PostgreSQL, in its own process.
 * Email and password with argon2id at the service's parameters (m=19456, t=2, p=1, @node-rs/argon2
 * through better-auth's password hash/verify hooks), and anonymous sign-in (its `anonymous` plugin).
 * Served by node:http through `toNodeHandler` at /api/auth/*; GET /ok answers when ready.
 * Env: PORT, DATABASE_URL (an empty database the bench made; the schema is migrated here).
 */
import http from 'node:http';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { anonymous } from 'better-auth/plugins';
import pg from 'pg';

const argon2 = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const port = Number(process.env.PORT);
const baseURL = `http://127.0.0.1:${port}`;

const auth = betterAuth({
  baseURL,
  secret: 'bench-secret-bench-secret-bench-secret-0123',
  database: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }),
  emailAndPassword: {
    enabled: true,
    password: {
      hash: (password) => hash(password, argon2),
      verify: ({ hash: stored, password }) => verify(stored, password),
    },
  },
  plugins: [anonymous()],
  // 50 connections from one address is what a limiter stops; ours is off in the bench too.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const handler = toNodeHandler(auth);
const server = http.createServer((req, res) => {
  if (req.url === '/ok') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  void handler(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => server.close(() => process.exit(0)));
