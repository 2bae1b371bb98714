import fs from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import cluster from 'node:cluster';
import { loadConfig, ConfigError, type Config } from './config/load.ts';
import { openStore } from './store/db.ts';
import { migrateToLatest } from './store/migrate.ts';
import { createServices } from './services.ts';
import { buildApp } from './app.ts';
import { systemClock } from './domain/clock.ts';
import { SecretsKeyError } from './store/sealer.ts';
import { adminServerFor } from './admin/service.ts';
import { runWorkers } from './cluster.ts';

/** The configuration, or exit 2 with one line naming what is wrong (before any worker starts). */
function readConfig(): Config {
  try {
    const file = process.env.CONFIG_FILE;
    return loadConfig(process.env, file ? fs.readFileSync(file, 'utf8') : undefined);
  } catch (err) {
    const msg = err instanceof ConfigError ? err.message : `Cannot read CONFIG_FILE: ${(err as Error).message}`;
    process.stderr.write(`storefront-auth: ${msg}\n`);
    process.exit(2);
  }
}

/** Composition root: config → store → migrations → services → app → listen; closes on signals. */
async function main(config: Config): Promise<void> {
  // When each step of the start ended (ms since the process began, wall and CPU), logged once listening.
  const startup: Record<string, number> = {};
  const startupCpu: Record<string, number> = {};
  const mark = (step: string) => {
    startup[step] = Math.round(performance.now());
    const cpu = process.cpuUsage();
    startupCpu[step] = Math.round((cpu.user + cpu.system) / 1000);
  };
  mark('loaded');
  let tls;
  try {
    if (config.tls) tls = { cert: fs.readFileSync(config.tls.certFile), key: fs.readFileSync(config.tls.keyFile) };
  } catch (err) {
    process.stderr.write(`storefront-auth: Cannot read the TLS certificate or key: ${(err as Error).message}\n`);
    process.exit(2);
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  mark('storeOpen');
  await migrateToLatest(store.db);
  mark('migrated');
  // Lines the services log outside a request (outbox files, failed mail) go to the app's logger.
  let log: FastifyBaseLogger | undefined = undefined;
  const services = await createServices({
    config,
    store,
    clock: systemClock,
    logger: {
      debug: (obj, msg) => log?.debug(obj, msg),
      info: (obj, msg) => (log ? log.info(obj, msg) : process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`)),
      error: (obj, msg) => (log ? log.error(obj, msg) : process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`)),
    },
    onBootstrapSecret: (clientId, secret) => {
      process.stdout.write(
        `\n  Generated the storefront app's credentials (shown only this once; only a hash is stored):\n` +
          `    client_id:     ${clientId}\n    client_secret: ${secret}\n\n`,
      );
    },
  });
  mark('services');
  const app = await buildApp({ services, tls });
  log = app.log;
  // Pruning (issue #14): one instance at a time, in small batches; see docs/configuration.md.
  const lifecycle = services.lifecycle.start();
  // Rotation on schedule, and the key set read again every minute (keys rotated elsewhere).
  const stopKeySchedule = services.keys.startSchedule();
  // On the embedded database the admin CLI cannot open the files this process holds: it talks here.
  const admin = store.kind === 'pglite' ? await adminServerFor(services) : undefined;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    stopKeySchedule();
    await admin?.close();
    await app.close();
    await lifecycle.close();
    await services.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  mark('listening');
  app.log.info({ startupMs: startup, startupCpuMs: startupCpu }, 'started');
}

const config = readConfig();
if (config.workers > 1 && cluster.isPrimary) runWorkers(config.workers);
else
  main(config).catch((err) => {
    if (err instanceof SecretsKeyError) {
      process.stderr.write(`storefront-auth: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`storefront-auth: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
