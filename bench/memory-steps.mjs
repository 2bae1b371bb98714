// Resident memory of the compiled service, step by step, in one plain-node process (no TypeScript
// loader): what the modules, PGlite, the services (the first hashing thread), the app and the
// signing thread each add. Run by bench/startup.ts as `node bench/memory-steps.mjs <dataDir>
// <configFile>` on a data directory the service has already used; prints one JSON document.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const [dataDir, configFile] = process.argv.slice(2);
const steps = [];
async function step(name) {
  globalThis.gc?.();
  await sleep(300);
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = process.memoryUsage();
  steps.push({
    step: name,
    rssMiB: Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 102.4) / 10,
    heapUsedMiB: Math.round(m.heapUsed / 104857.6) / 10,
    heapTotalMiB: Math.round(m.heapTotal / 104857.6) / 10,
    externalMiB: Math.round(m.external / 104857.6) / 10,
    threads: Number(/Threads:\s+(\d+)/.exec(status)[1]),
  });
}

await step('node');
const dist = new URL('../dist/src/', import.meta.url);
const { loadConfig } = await import(new URL('config/load.js', dist));
const { openStore } = await import(new URL('store/db.js', dist));
const { migrateToLatest } = await import(new URL('store/migrate.js', dist));
const { createServices } = await import(new URL('services.js', dist));
const { buildApp } = await import(new URL('app.js', dist));
const { systemClock } = await import(new URL('domain/clock.js', dist));
await import('@electric-sql/pglite');
await step('modules imported');
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, fs.readFileSync(configFile, 'utf8'));
const store = await openStore({ dataDir: config.dataDir });
await step('PGlite open');
const wasm = store.engineMemory();
await migrateToLatest(store.db);
const quiet = { info() {}, error() {} };
const services = await createServices({ config, store, clock: systemClock, logger: quiet });
await step('services (1st hashing thread, decoy hash)');
const app = await buildApp({ services, logStream: { write() {} } });
await app.listen({ port: 0, host: '127.0.0.1' });
await app.ready();
await step('app built, listening');
const oauth = await app.inject({
  method: 'POST',
  url: '/api/platform/applications/authtickets/oauth',
  payload: {
    client_id: 'bench-storefront',
    client_secret: 'bench-storefront-secret',
    grant_type: 'client_credentials',
  },
});
await app.inject({
  method: 'GET',
  url: '/api/commerce/customer/authtickets/anonymousshopper',
  headers: { 'x-vol-tenant': '1', 'x-vol-site': '1', authorization: `Bearer ${oauth.json().access_token}` },
});
await step('first tickets (signing thread)');
await app.inject({ method: 'GET', url: '/api/docs/openapi.json' });
await step('OpenAPI document built');
process.stdout.write(JSON.stringify({ wasmMemoryMiB: wasm / 2 ** 20, steps }) + '\n');
await app.close();
await services.hasher.close();
await store.close();
process.exit(0);
