import { after, before } from 'node:test';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Configuration } from '@kibocommerce/rest-sdk';
import { loadConfig, type Config } from '../../src/config/load.ts';
import type { ConfigFile } from '../../src/config/schema.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createServices, type Services } from '../../src/services.ts';
import type { Mailer } from '../../src/mail/mailer.ts';
import { buildApp } from '../../src/app.ts';
import { TestClock } from './clock.ts';
import { freshStore } from './db.ts';
import { ADMIN, STOREFRONT, testConfigFile } from './config.ts';
import { signup, type Shopper } from './signup.ts';

export interface TestServer {
  url: string;
  app: FastifyInstance;
  services: Services;
  config: Config;
  clock: TestClock;
  store: Store;
  /** Every log line the server wrote, raw. */
  logs: string[];
  /** An app access token from our own oauth route. */
  appToken(app?: { clientId: string; clientSecret: string }): Promise<string>;
  /** An official-SDK Configuration pointed at this server. */
  sdk(opts: {
    accessToken?: string;
    userClaims?: string;
    appClaims?: string;
    tenantId?: number;
    siteId?: number;
  }): Configuration;
  /** fetch against this server with JSON in and out. */
  request(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; headers: Headers; json: any; text: string }>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** null: no CONFIG_FILE, the built-in default (its storefront app's secret is generated). */
  configFile?: ConfigFile | null;
  env?: Record<string, string>;
  /** Share a database between servers (multi-instance tests); default is a fresh one. */
  databaseUrl?: string;
  clock?: TestClock;
  /** Replaces the mailer built from SMTP_URL / MAIL_OUTBOX_DIR. */
  mailer?: Mailer;
  /** Serve HTTPS with this certificate and key (url becomes https://localhost:port). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Listen on this port instead of a random one. */
  port?: number;
  /** Keep the embedded database's files in this folder (as the service does), not in memory. */
  dataDir?: string;
  /** Told the text of every statement the server's store runs (a fresh database only). */
  onQuery?: (sql: string) => void;
}

/** A real server on a random loopback port over a fresh database (PGlite, or TEST_DATABASE_URL). */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const configFile = opts.configFile === null ? undefined : (opts.configFile ?? testConfigFile());
  const config = loadConfig(
    { LOG_LEVEL: 'info', DATA_DIR: '.tmp/test-data', ...opts.env },
    configFile && JSON.stringify(configFile),
  );
  let store: Store;
  let drop = async () => {};
  if (opts.databaseUrl) {
    store = await openStore({ databaseUrl: opts.databaseUrl, poolSize: 5 });
  } else if (opts.dataDir) {
    store = await openStore({ dataDir: opts.dataDir });
  } else {
    const fresh = await freshStore({ onQuery: opts.onQuery });
    store = fresh.store;
    drop = fresh.drop;
  }
  await migrateToLatest(store.db);
  const clock = opts.clock ?? new TestClock();
  const logs: string[] = [];
  // Lines the services log outside requests (outbox files, failed background mail) go to `logs` too.
  const logger = {
    info: (obj: object, msg: string) => {
      logs.push(JSON.stringify({ level: 30, ...obj, msg }));
    },
    error: (obj: object, msg: string) => {
      logs.push(JSON.stringify({ level: 50, ...obj, msg }));
    },
  };
  const services = await createServices({ config, store, clock, mailer: opts.mailer, logger });
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const app = await buildApp({ services, logStream, tls: opts.tls });
  await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const url = opts.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;

  const server: TestServer = {
    url,
    app,
    services,
    config,
    clock,
    store,
    logs,
    async appToken(creds = STOREFRONT) {
      const r = await server.request('POST', '/api/platform/applications/authtickets/oauth', {
        body: { client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: 'client_credentials' },
      });
      if (r.status !== 200) throw new Error(`app token: ${r.status} ${r.text}`);
      return r.json.access_token as string;
    },
    sdk({ accessToken, userClaims, appClaims, tenantId = 1, siteId = 1 }) {
      return new Configuration({
        tenantId,
        siteId,
        apiHost: url,
        accessToken,
        userClaims,
        appClaims,
      } as ConstructorParameters<typeof Configuration>[0]);
    },
    async request(method, path, { body, headers = {}, raw } = {}) {
      const h: Record<string, string> = { 'x-vol-tenant': '1', 'x-vol-site': '1', ...headers };
      let payload: string | undefined = raw;
      if (body !== undefined) {
        payload = JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers: h, body: payload });
      const text = await res.text();
      let json: any;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, json, text };
    },
    async close() {
      await app.close();
      await services.close();
      await store.close();
      await drop();
    },
  };
  return server;
}

/** A test server of a test file's own, with tokens for its two apps and one seeded shopper. */
export interface UsedTestServer extends TestServer {
  /** An access token of the storefront app (STOREFRONT). */
  storefrontToken: string;
  /** An access token of the admin app (ADMIN, which holds customer:manage-accounts). */
  adminToken: string;
  /** A shopper signed up on site 1 before the first test. */
  shopper: Shopper;
}

/** What useTestServer takes besides the server's own options. */
interface FixtureOptions extends TestServerOptions {
  /**
   * false: fetch no app tokens and sign up no shopper, for files that count accounts, events or
   * rate-limit hits from zero; the fixture is then a plain TestServer. Default true.
   */
  seed?: boolean;
  /** Runs in the fixture's `after`, before the server closes (to release held SMTP mail, say). */
  beforeClose?: () => void | Promise<void>;
}

/** Options, or a function that makes them in `before` (an SMTP inbox's URL, say). */
type FixtureOptionsIn<T extends FixtureOptions> = T | (() => T | Promise<T>);

/**
 * The server a `describe` block shares: started in its `before`, closed in its `after`, both
 * registered here. Its fields are there from the first test on. `opts` may be a function when the
 * options are made in `before` too. Hooks the file registers after this call run after these.
 */
export function useTestServer(opts: FixtureOptionsIn<FixtureOptions & { seed: false }>): TestServer;
export function useTestServer(opts?: FixtureOptionsIn<FixtureOptions & { seed?: true }>): UsedTestServer;
export function useTestServer(opts: FixtureOptionsIn<FixtureOptions> = {}): UsedTestServer {
  const h = {} as UsedTestServer;
  let beforeClose: FixtureOptions['beforeClose'];
  before(async () => {
    const { seed = true, beforeClose: hook, ...serverOpts } = typeof opts === 'function' ? await opts() : opts;
    beforeClose = hook;
    Object.assign(h, await startTestServer(serverOpts));
    if (!seed) return;
    h.storefrontToken = await h.appToken();
    h.adminToken = await h.appToken(ADMIN);
    h.shopper = await signup(h, h.storefrontToken, 'seeded');
  });
  after(async () => {
    try {
      await beforeClose?.();
    } finally {
      await h.close?.();
    }
  });
  return h;
}

export { ADMIN, STOREFRONT };
