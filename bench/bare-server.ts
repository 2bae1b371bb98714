/**
 * The machine's ceiling for a JSON route: a bare Fastify server (no plugins, no logger, no schema)
 * answering fixed JSON objects. Run as its own process by bench/ceiling.ts so it never shares an
 * event loop with autocannon. Env: PORT, BODIES_FILE (JSON `{ "<name>": <object>, ... }`); each
 * object is served at GET /<name> and re-serialized on every request, as the real routes do.
 */
import fs from 'node:fs';
import Fastify from 'fastify';

const bodies = JSON.parse(fs.readFileSync(process.env.BODIES_FILE ?? '', 'utf8')) as Record<string, unknown>;
const app = Fastify();
app.get('/ok', async () => ({ status: 'ok' }));
for (const [name, body] of Object.entries(bodies)) {
  app.get(`/${name}`, async () => body);
}
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void app.close().then(() => process.exit(0)));
