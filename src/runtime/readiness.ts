import type { Redis } from 'ioredis';

type CheckState = 'ok' | 'down';

export interface Readiness {
  /** The database decides readiness; Redis and SMTP, when configured, only make it `degraded`. */
  check(): Promise<{ status: 'ok' | 'degraded' | 'down'; checks: Record<string, CheckState> }>;
  close(): Promise<void>;
}

export interface ReadinessOptions {
  /** Resolves when the database answers a query. */
  ping(): Promise<void>;
  redisUrl?: string;
  smtpUrl?: string;
  /** How long a Redis or SMTP answer is reused: probes every few seconds must not hammer SMTP. */
  cacheMs?: number;
  /** How long a Redis or SMTP check may take before it counts as down. */
  timeoutMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A check whose answer is kept for `cacheMs`; callers meanwhile share one attempt. `client` makes
 * (once) what the check talks through; loading its library does not count against `timeoutMs`.
 */
function cached<C>(
  client: () => Promise<C>,
  run: (c: C) => Promise<unknown>,
  cacheMs: number,
  timeoutMs: number,
): () => Promise<CheckState> {
  let last: { at: number; state: Promise<CheckState> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= cacheMs) {
      const state = client()
        .then((c) => withTimeout(run(c), timeoutMs))
        .then(
          (): CheckState => 'ok',
          (): CheckState => 'down',
        );
      last = { at: now, state };
    }
    return last.state;
  };
}

/**
 * Readiness for /readyz: the database on every call (a cheap query), and the optional Redis
 * (PING on a connection of its own) and SMTP server (nodemailer's verify: connect, EHLO, AUTH)
 * at most once per `cacheMs`.
 */
export function createReadiness(opts: ReadinessOptions): Readiness {
  const cacheMs = opts.cacheMs ?? 5000;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const optional: Record<string, () => Promise<CheckState>> = {};
  let redis: Redis | undefined;
  let closed = false;
  const { redisUrl, smtpUrl } = opts;
  // The clients are made at the first check, so a start without Redis or SMTP loads neither library.
  if (redisUrl) {
    optional.redis = cached(
      async () => {
        if (!redis) {
          const { Redis } = await import('ioredis');
          if (closed) throw new Error('closed'); // no connection opened after close()
          redis = new Redis(redisUrl, {
            lazyConnect: true,
            maxRetriesPerRequest: 0,
            enableOfflineQueue: false,
            connectTimeout: timeoutMs,
          });
          redis.on('error', () => {}); // reported as `down` by the check
        }
        return redis;
      },
      async (client) => {
        if (client.status === 'wait' || client.status === 'end') await client.connect();
        await client.ping();
      },
      cacheMs,
      timeoutMs,
    );
  }
  if (smtpUrl) {
    let transport: { verify(): Promise<unknown> } | undefined;
    optional.smtp = cached(
      async () => {
        const { default: nodemailer } = await import('nodemailer');
        return (transport ??= nodemailer.createTransport({
          url: smtpUrl,
          connectionTimeout: timeoutMs,
          greetingTimeout: timeoutMs,
          socketTimeout: timeoutMs,
        }));
      },
      (t) => t.verify(),
      cacheMs,
      timeoutMs,
    );
  }
  return {
    async check() {
      const [database, ...rest] = await Promise.all([
        opts.ping().then(
          (): CheckState => 'ok',
          (): CheckState => 'down',
        ),
        ...Object.values(optional).map((c) => c()),
      ]);
      const checks: Record<string, CheckState> = { database };
      Object.keys(optional).forEach((name, i) => (checks[name] = rest[i]));
      const status = database === 'down' ? 'down' : rest.includes('down') ? 'degraded' : 'ok';
      return { status, checks };
    },
    async close() {
      closed = true;
      redis?.disconnect();
    },
  };
}
