import type { FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';

/** Query parameters and path segments that carry secrets; their values never reach a log line. */
const SECRET_PARAMS =
  /^(refreshtoken|refresh_token|password|newpassword|oldpassword|otpcode|code|confirmationcode|token|accesstoken|access_token|client_secret|sharedsecret)$/i;

/** The URL as logged: secret query values and the token in `/authtickets/{refreshToken}` replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  // Only the exact fixed segments are spared: a token that merely starts with "oauth" is still hidden.
  path = path.replace(/(\/applications\/authtickets\/)(?!(?:oauth|refresh-ticket)(?:\/|$))[^/?]+/i, '$1[REDACTED]');
  if (q === -1) return path;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((kv) => {
      const eq = kv.indexOf('=');
      const key = eq === -1 ? kv : kv.slice(0, eq);
      let name = key;
      try {
        name = decodeURIComponent(key);
      } catch {
        /* keep raw */
      }
      return eq !== -1 && SECRET_PARAMS.test(name) ? `${key}=[REDACTED]` : kv;
    });
  return `${path}?${parts.join('&')}`;
}

/** Object keys whose values are secrets, wherever they sit in a logged object (up to three levels). */
const SECRET_KEYS = [
  'password',
  'newPassword',
  'oldPassword',
  'otpCode',
  'confirmationCode',
  'refreshToken',
  'accessToken',
  'jwtAccessToken',
  'client_secret',
];
// pino's `*` matches exactly one level, so each depth is listed: `password`, `*.password`, `*.*.password`.
const SECRET_KEY_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** Pino options for Fastify: request logs carry no credentials. */
export function loggerOptions(level: string, stream?: DestinationStream): FastifyServerOptions['logger'] {
  return {
    level,
    stream,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-vol-app-claims"]',
        'req.headers["x-vol-user-claims"]',
        'req.headers.cookie',
        ...SECRET_KEY_PATHS,
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      req(req: { method: string; url: string; hostname?: string; ip?: string; id?: string }) {
        return { method: req.method, url: redactUrl(req.url), host: req.hostname, remoteAddress: req.ip };
      },
    },
  } as FastifyServerOptions['logger'];
}
