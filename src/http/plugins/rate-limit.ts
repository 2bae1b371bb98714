import type { FastifyInstance, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/load.ts';
import type { RateLimitGroup, RateLimitRule } from '../../config/schema.ts';
import { KiboError } from '../../domain/errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The rate-limit group whose limits this route shares (CONTRACT §8); unlimited when unset. */
    limit?: RateLimitGroup;
  }
  interface FastifyInstance {
    /**
     * Counts `req` against `group`'s per-account limit for the account `target` names, as the
     * group's routes count their requests: for a route that learns its account only in its handler
     * (the console's reset mail). The same counter as the API's, so both share one budget.
     * @throws TOO_MANY_REQUESTS (KiboError, with retryAfter)
     */
    countForAccount(req: FastifyRequest, group: RateLimitGroup, target: AccountTarget): Promise<void>;
  }
}

/** An account as the per-account limits key it: its tenant, customer set and user name or email. */
interface AccountTarget {
  tenantId: number;
  customerSet: string;
  /** the email address or user name a request names the account by */
  target: string;
}

/** Body fields that name the account a request is about, in order of preference. */
const TARGET_FIELDS = [
  'username',
  'userName',
  'email',
  'emailAddress',
  'userId',
  'client_id',
  'applicationId',
] as const;

const normTarget = (v: string) => v.trim().toLowerCase().slice(0, 320);

/** The account a limited request targets (lower-cased), or undefined when it names none. */
export function targetOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  for (const f of TARGET_FIELDS) {
    const v = b[f];
    if (typeof v === 'string' && v.trim()) return normTarget(v);
  }
  const account = b.account;
  if (account && typeof account === 'object') return targetOf(account);
  return undefined;
}

type Limiter = (
  req: FastifyRequest,
) => Promise<{ isAllowed: true } | { isAllowed: false; isExceeded: boolean; ttlInSeconds: number }>;

function tooMany(seconds: number): KiboError {
  const s = Math.max(1, seconds);
  return new KiboError('TOO_MANY_REQUESTS', `Too many requests; retry in ${s} seconds`, { retryAfter: s }, s);
}

function addHook<H>(existing: H | H[] | undefined, hook: H): H[] {
  if (Array.isArray(existing)) return [...existing, hook];
  return existing ? [existing, hook] : [hook];
}

/**
 * Rate limits (CONTRACT §8) on login, code, reset and sign-up routes, in two layers: per client IP
 * (checked first, before credentials are even looked at) and per target account (the user name,
 * email, user id or client id in the body, within the tenant). Counters live in Redis when
 * REDIS_URL is set, so every instance shares them; in process memory otherwise. An exceeded limit
 * answers TOO_MANY_REQUESTS (429) with Retry-After. A Redis outage lets requests through (logged)
 * rather than failing every login.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  config: Config,
  onRejected: (route: string) => void = () => {},
): Promise<void> {
  const limits = config.rateLimits;
  let redis: Redis | undefined;
  if (config.redisUrl && limits.enabled) {
    const { Redis } = await import('ioredis'); // loaded only when configured (start time)
    redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableAutoPipelining: true });
    redis.on('error', (err) => app.log.warn({ err }, 'rate limit store (Redis) error'));
    app.addHook('onClose', async () => {
      await redis?.quit().catch(() => redis?.disconnect());
    });
  }
  await app.register(rateLimit, {
    global: false,
    skipOnError: true,
    cache: 10000,
    ...(redis ? { redis, nameSpace: `${config.redisKeyPrefix}rl:` } : {}),
    // Only for a route that sets config.rateLimit itself; ours throw tooMany directly.
    errorResponseBuilder: (_req, ctx) => tooMany(Math.ceil(ctx.ttl / 1000)),
  });
  if (!limits.enabled) {
    app.decorate('countForAccount', async () => {});
    return;
  }

  /** The account key of a request counted by countForAccount (its handler named the account). */
  const named = new WeakMap<FastifyRequest, string>();
  const limiters = new Map<string, Limiter>();
  const limiter = (group: RateLimitGroup, layer: 'ip' | 'account', rule: RateLimitRule): Limiter => {
    const id = `${group}:${layer}`;
    let l = limiters.get(id);
    if (!l) {
      l = app.createRateLimit({
        max: layer === 'ip' ? rule.perIp : rule.perAccount,
        timeWindow: rule.windowSeconds * 1000,
        keyGenerator: (req) => `${id}:${layer === 'ip' ? req.ip : (named.get(req) ?? accountKey(req) ?? '')}`,
      }) as Limiter;
      limiters.set(id, l);
    }
    return l;
  };
  const check = async (l: Limiter, req: FastifyRequest) => {
    const r = await l(req);
    if (!r.isAllowed && r.isExceeded) {
      onRejected(req.routeOptions.url ?? 'unmatched');
      throw tooMany(r.ttlInSeconds);
    }
  };

  app.decorate('countForAccount', async (req: FastifyRequest, group: RateLimitGroup, a: AccountTarget) => {
    named.set(req, keyOf(a.tenantId, a.customerSet, normTarget(a.target)));
    try {
      await check(limiter(group, 'account', limits[group]), req);
    } finally {
      named.delete(req);
    }
  });

  // Each route names its group where it is declared (`config: { limit }`); onRoute sees the
  // routes registered after this plugin, which is all of them.
  app.addHook('onRoute', (route) => {
    const group = route.config?.limit;
    if (!group) return;
    const rule = limits[group];
    const perIp: onRequestHookHandler = async (req) => check(limiter(group, 'ip', rule), req);
    const perAccount: preHandlerHookHandler = async (req) => {
      if (accountKey(req) !== undefined) await check(limiter(group, 'account', rule), req);
    };
    route.onRequest = addHook(route.onRequest, perIp);
    route.preHandler = addHook(route.preHandler, perAccount);
  });
}

/** `tenant:customerSet:target` of a request, or undefined when it names no account. */
function accountKey(req: FastifyRequest): string | undefined {
  // A route about one account (its contacts, attributes) counts per account id, whatever the body says.
  const id = (req.params as { accountId?: unknown } | undefined)?.accountId;
  const target = id !== undefined ? `account:${String(id)}` : targetOf(req.body);
  if (target === undefined) return undefined;
  const t = req.tenancy;
  return t ? keyOf(t.tenant.id, t.site.customerSet, target) : `platform:${target}`;
}

const keyOf = (tenantId: number, customerSet: string, target: string) => `${tenantId}:${customerSet}:${target}`;
