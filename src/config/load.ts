import { createHash } from 'node:crypto';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import {
  builtInConfig,
  defaultArgon2,
  defaultConsole,
  defaultHashNice,
  defaultHashThreads,
  processCores,
  defaultKeys,
  defaultLogin,
  defaultRateLimits,
  defaultRetention,
  defaultTokens,
} from './defaults.ts';
import {
  ConfigFileSchema,
  RateLimitGroups,
  type Behavior,
  type ConfigFile,
  type ConsoleSettings,
  type LoginSettings,
  type SiteLogin,
  type RateLimitGroup,
  type RateLimitRule,
  type Retention,
  type TokenSettings,
} from './schema.ts';
import { resolveAttributeDefinitions, type AttributeDefinition } from './attributes.ts';
import { resolveSiteMail } from './mail.ts';
import { builtInPages, resetPageUrl, resolveSitePages, type SitePages } from './pages.ts';
import type { SiteMail } from '../mail/templates.ts';

export type { AttributeDefinition };

export interface SiteConfig {
  readonly id: number;
  readonly tenantId: number;
  readonly name: string;
  readonly customerSet: string;
  readonly login: LoginSettings;
  /** The reset page's URL and the site's own mail templates (docs/configuration.md, `sites[].mail`). */
  readonly mail: SiteMail;
  /** The shopper pages at /account (docs/configuration.md, `sites[].pages`). */
  readonly pages: SitePages;
}

export interface TenantConfig {
  readonly id: number;
  readonly name: string;
  readonly domain: string;
  readonly customerSets: readonly { code: string; name: string }[];
  readonly sites: readonly SiteConfig[];
  readonly tokens: TokenSettings;
  /** Customer account attribute definitions (docs/configuration.md); empty when none are configured. */
  readonly attributeDefinitions: readonly AttributeDefinition[];
}

export interface AppConfig {
  readonly clientId: string;
  /** SHA-256 of the secret, hex; the plain secret is never kept. */
  readonly secretHash: string;
  readonly tenantId: number;
  readonly behaviors: readonly Behavior[];
}

export type BootstrapApp =
  | { readonly mode: 'env'; readonly clientId: string; readonly secretHash: string }
  | { readonly mode: 'generate'; readonly clientId: string };

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly smtpUrl?: string;
  readonly mailFrom: string;
  readonly mailOutboxDir: string;
  readonly redisUrl?: string;
  /** Prefix of every Redis key this service writes (REDIS_KEY_PREFIX), so deployments can share a Redis. */
  readonly redisKeyPrefix: string;
  readonly logLevel: string;
  /**
   * Which proxies may set X-Forwarded-For (TRUST_PROXY): false (default: the socket's address is the
   * client), true (any), a hop count, or a list of addresses/CIDRs. Per-IP rate limits key on it.
   */
  readonly trustProxy: boolean | number | readonly string[];
  readonly jwtIssuer: string;
  /** PEM files to serve HTTPS with (TLS_CERT_FILE, TLS_KEY_FILE); absent → plain HTTP. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** How long a request (headers and body) may take to arrive, in ms (REQUEST_TIMEOUT_MS, default 30 s). */
  readonly requestTimeoutMs: number;
  readonly tenants: readonly TenantConfig[];
  readonly apps: readonly AppConfig[];
  /** The built-in storefront app, present only when no CONFIG_FILE is given. */
  readonly bootstrap?: BootstrapApp;
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  /**
   * Threads that do nothing but argon2id (default: one per core the process may use, at most 8),
   * and how much they yield to the event loop (a Linux nice value, 0 = not at all; default 10).
   */
  readonly hashing: { readonly threads: number; readonly nice: number };
  /**
   * Service processes sharing the port (WORKERS: a number, or `auto` = the cores the process may use;
   * default 1). More than one needs PostgreSQL: they share nothing but the database and Redis.
   */
  readonly workers: number;
  /** Rate limits per route group; `enabled: false` turns them off. Shared through Redis when redisUrl is set. */
  readonly rateLimits: { readonly enabled: boolean } & { readonly [G in RateLimitGroup]: Readonly<RateLimitRule> };
  /** Data lifecycle: retention of devices and audit events, pruning pace, guest-key rotation. */
  readonly retention: Readonly<Retention>;
  /** Signing-key rotation (CONFIG_FILE `keys`). */
  readonly keys: { readonly rotateDays: number; readonly publishAheadMinutes: number };
  /** The support console's session timeouts and operator lockout (CONFIG_FILE `console`). */
  readonly console: Readonly<ConsoleSettings>;
  /**
   * SECRETS_KEY (and SECRETS_KEY_PREVIOUS while changing it), 32 bytes as hex: private keys and
   * server secrets are encrypted at rest with it (store/sealer.ts).
   */
  readonly secretsKey?: string;
  readonly secretsKeyPrevious?: string;
}

/** A configuration that cannot be used; the message names the bad field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

type Env = Record<string, string | undefined>;

/**
 * Builds the frozen configuration from environment variables and the text of CONFIG_FILE (or
 * undefined for the built-in default). Pure: reads no file and no process state.
 * @throws ConfigError naming the first bad field
 */
export function loadConfig(env: Env, fileText?: string): Config {
  const file = fileText === undefined ? undefined : parseFile(fileText);
  const dataDir = env.DATA_DIR || './data';
  const port = intEnv(env, 'PORT', 8080, 0, 65535);
  const tenants = (file ?? builtInConfig).tenants.map((t, ti) => {
    const codes = new Set(t.customerSets.map((c) => c.code));
    if (codes.size !== t.customerSets.length) fail(`tenants[${ti}].customerSets`, 'customer set codes must be unique');
    const siteIds = new Set<number>();
    const sites = t.sites.map((s, si): SiteConfig => {
      if (!codes.has(s.customerSet))
        fail(`tenants[${ti}].sites[${si}].customerSet`, `unknown customer set "${s.customerSet}"`);
      if (siteIds.has(s.id)) fail(`tenants[${ti}].sites[${si}].id`, `duplicate site id ${s.id}`);
      siteIds.add(s.id);
      const at = `tenants[${ti}].sites[${si}]`;
      const pages = file ? resolveSitePages(s.pages, at, fail, file.apps, t.id) : builtInPages(env, port, fail);
      let mail = resolveSiteMail(s.mail, at, fail);
      // The reset mail links to the site's own reset page unless the site names another.
      if (pages.enabled && pages.publicUrl && !mail.resetUrl)
        mail = { ...mail, resetUrl: resetPageUrl(pages.publicUrl) };
      return {
        id: s.id,
        tenantId: t.id,
        name: s.name,
        customerSet: s.customerSet,
        login: mergeLogin(s.login),
        mail,
        pages,
      };
    });
    const tokens = { ...defaultTokens, ...t.tokens };
    if (tokens.accessMinutes > tokens.maxAccessMinutes)
      fail(`tenants[${ti}].tokens.accessMinutes`, 'exceeds maxAccessMinutes');
    if (tokens.refreshMinutes > tokens.maxRefreshMinutes)
      fail(`tenants[${ti}].tokens.refreshMinutes`, 'exceeds maxRefreshMinutes');
    // Copies, so that freezing the result never freezes the built-in defaults or the caller's objects.
    const customerSets = t.customerSets.map((c) => ({ code: c.code, name: c.name }));
    const attributeDefinitions = resolveAttributeDefinitions(t.attributeDefinitions, `tenants[${ti}]`, fail);
    const domain = t.domain ?? `t${t.id}.localhost`;
    return { id: t.id, name: t.name, domain, customerSets, sites, tokens, attributeDefinitions };
  });
  const tenantIds = new Set<number>();
  tenants.forEach((t, i) => {
    if (tenantIds.has(t.id)) fail(`tenants[${i}].id`, `duplicate tenant id ${t.id}`);
    tenantIds.add(t.id);
  });

  const apps = (file?.apps ?? []).map((a, i): AppConfig => {
    if (!tenantIds.has(a.tenantId)) fail(`apps[${i}].tenantId`, `unknown tenant ${a.tenantId}`);
    return {
      clientId: a.clientId,
      secretHash: hashSecret(a.clientSecret),
      tenantId: a.tenantId,
      behaviors: [...new Set(a.behaviors)],
    };
  });
  const clientIds = new Set<string>();
  apps.forEach((a, i) => {
    if (clientIds.has(a.clientId)) fail(`apps[${i}].clientId`, `duplicate clientId "${a.clientId}"`);
    clientIds.add(a.clientId);
  });

  let bootstrap: BootstrapApp | undefined;
  if (!file) {
    const id = env.BOOTSTRAP_CLIENT_ID;
    const secret = env.BOOTSTRAP_CLIENT_SECRET;
    if (Boolean(id) !== Boolean(secret))
      fail('BOOTSTRAP_CLIENT_ID', 'BOOTSTRAP_CLIENT_ID and BOOTSTRAP_CLIENT_SECRET must be set together');
    bootstrap =
      id && secret
        ? { mode: 'env', clientId: id, secretHash: hashSecret(secret) }
        : { mode: 'generate', clientId: 'storefront' };
  }

  const databaseUrl = urlEnv(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const workers = workersEnv(env, databaseUrl !== undefined);
  const config: Config = {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir,
    smtpUrl: urlEnv(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: env.MAIL_FROM || 'storefront-auth <no-reply@localhost>',
    mailOutboxDir: env.MAIL_OUTBOX_DIR || path.join(dataDir, 'outbox'),
    redisUrl: urlEnv(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: env.REDIS_KEY_PREFIX || 'storefront-auth:',
    logLevel: logLevelEnv(env),
    trustProxy: trustProxyEnv(env),
    jwtIssuer: env.JWT_ISSUER || 'storefront-auth',
    tls: tlsEnv(env),
    requestTimeoutMs: intEnv(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    tenants,
    apps,
    bootstrap,
    argon2: { ...defaultArgon2, ...file?.passwords?.argon2 },
    workers,
    hashing: {
      // The cores are shared by the workers: each gets its part of the default hashing threads.
      threads: file?.passwords?.hashThreads ?? Math.max(1, Math.floor(defaultHashThreads() / workers)),
      nice: file?.passwords?.hashNice ?? defaultHashNice,
    },
    retention: { ...defaultRetention, ...file?.retention },
    keys: { ...defaultKeys, ...file?.keys },
    console: { ...defaultConsole, ...file?.console },
    secretsKey: secretKeyEnv(env, 'SECRETS_KEY'),
    secretsKeyPrevious: secretKeyEnv(env, 'SECRETS_KEY_PREVIOUS'),
    rateLimits: {
      enabled: file?.rateLimits?.enabled ?? true,
      ...(Object.fromEntries(
        RateLimitGroups.map((g) => [g, { ...defaultRateLimits[g], ...file?.rateLimits?.[g] }]),
      ) as Record<RateLimitGroup, RateLimitRule>),
    },
  };
  return deepFreeze(config);
}

function parseFile(text: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`CONFIG_FILE: not valid JSON (${(err as Error).message})`);
  }
  const first = Value.Errors(ConfigFileSchema, raw).First();
  if (first)
    fail(
      pointerToPath(first.path),
      describeError(first.schema as { anyOf?: { const?: unknown }[] }, first.value, first.message),
    );
  return raw as ConfigFile;
}

/** TypeBox says only "Expected union value" for an unknown enum member; name the choices instead. */
function describeError(schema: { anyOf?: { const?: unknown }[] }, value: unknown, message: string): string {
  const choices = schema.anyOf?.map((s) => s.const);
  if (!choices?.length || choices.some((c) => c === undefined)) return message;
  return `${JSON.stringify(value)} is not one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`;
}

function mergeLogin(partial: SiteLogin | undefined): LoginSettings {
  return {
    twoFactor: { ...defaultLogin.twoFactor, ...partial?.twoFactor },
    otpLogin: { ...defaultLogin.otpLogin, ...partial?.otpLogin },
    lockout: { ...defaultLogin.lockout, ...partial?.lockout },
    password: { ...defaultLogin.password, ...partial?.password },
  };
}

/** `/tenants/0/sites/1/id` → `tenants[0].sites[1].id` */
function pointerToPath(pointer: string): string {
  const parts = pointer.split('/').filter(Boolean);
  if (parts.length === 0) return '(root)';
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function fail(field: string, message: string): never {
  throw new ConfigError(`Invalid configuration at ${field}: ${message}`);
}

function intEnv(env: Env, name: string, def: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) fail(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * WORKERS: 1 by default; `auto` = the cores the process may use (CPU quota included), on the
 * embedded database 1; more than one worker on the embedded database is refused (one process owns
 * its files).
 */
function workersEnv(env: Env, onPostgres: boolean): number {
  const v = env.WORKERS;
  if (v === 'auto') return onPostgres ? processCores() : 1;
  const n = v === undefined || v === '' ? 1 : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) fail('WORKERS', 'must be an integer from 1 to 256, or auto');
  if (n > 1 && !onPostgres)
    fail('WORKERS', `${n} workers need PostgreSQL (DATABASE_URL): the embedded database serves one process`);
  return n;
}

function urlEnv(env: Env, name: string, protocols: string[]): string | undefined {
  const v = env[name];
  if (!v) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return fail(name, 'is not a valid URL');
  }
  if (!protocols.includes(url.protocol)) fail(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  return v;
}

/** 32 bytes, written as 64 hex digits or in base64 (standard or url-safe); answered as hex. */
function secretKeyEnv(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  if (!v) return undefined;
  const bytes = /^[0-9a-fA-F]{64}$/.test(v)
    ? Buffer.from(v, 'hex')
    : /^[A-Za-z0-9+/_-]{43}={0,1}$/.test(v)
      ? Buffer.from(v, 'base64')
      : undefined;
  if (bytes?.length !== 32) fail(name, 'must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)');
  return bytes.toString('hex');
}

const ADDRESS = /^[0-9a-fA-F.:]+(\/\d{1,3})?$|^(loopback|linklocal|uniquelocal)$/;
function trustProxyEnv(env: Env): boolean | number | string[] {
  const v = env.TRUST_PROXY?.trim();
  if (!v || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return intEnv(env, 'TRUST_PROXY', 0, 0, 32);
  const list = v
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (!list.every((a) => ADDRESS.test(a))) {
    fail(
      'TRUST_PROXY',
      'must be true, false, a hop count, or a comma-separated list of addresses, CIDRs, loopback, linklocal or uniquelocal',
    );
  }
  return list;
}

function tlsEnv(env: Env): Config['tls'] {
  const certFile = env.TLS_CERT_FILE;
  const keyFile = env.TLS_KEY_FILE;
  if (Boolean(certFile) !== Boolean(keyFile))
    fail('TLS_CERT_FILE', 'TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  return certFile && keyFile ? { certFile, keyFile } : undefined;
}

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
function logLevelEnv(env: Env): string {
  const v = env.LOG_LEVEL || 'info';
  if (!levels.includes(v)) fail('LOG_LEVEL', `must be one of ${levels.join(', ')}`);
  return v;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Finds a tenant's site; undefined when either is unknown. */
export function findSite(
  config: Config,
  tenantId: number,
  siteId: number,
): { tenant: TenantConfig; site: SiteConfig } | undefined {
  const tenant = config.tenants.find((t) => t.id === tenantId);
  const site = tenant?.sites.find((s) => s.id === siteId);
  return tenant && site ? { tenant, site } : undefined;
}
