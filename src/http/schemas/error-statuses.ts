import { Type, type TSchema } from '@sinclair/typebox';
import { errorStatus, type ErrorCode } from '../../domain/errors.ts';

/** What a route declares that decides which errors it can answer (its method, URL and `config`). */
export interface RouteFacts {
  method: string;
  url: string;
  auth?: string;
  limit?: string;
}

/** Why each status can come, in words; the codes come from the one table in domain/errors.ts. */
const why: Record<number, string> = {
  400: 'A header, parameter or body field is missing or invalid (the `data` names the field).',
  401: 'No valid credential, an expired one, or wrong login details.',
  403: 'The credential is valid but may not do this here (another tenant or site, a missing behavior).',
  404: 'The account or item does not exist in this tenant.',
  409: 'The change conflicts with what is stored (e.g. the email or user name is taken).',
  413: 'The body is larger than the service accepts.',
  414: 'A path parameter is longer than the service accepts.',
  415: 'The body is not JSON.',
  423: 'The account is locked after too many failed logins, or by support.',
  429: 'Too many requests: wait the seconds in Retry-After.',
  500: 'An unexpected failure (logged on the server; the answer carries no detail).',
  503: 'The service or a service it needs (database, mail) is not available, or it is shutting down.',
};

const codesByStatus = new Map<number, ErrorCode[]>();
for (const [code, status] of Object.entries(errorStatus) as [ErrorCode, number][])
  codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code]);

/**
 * The error statuses a route can answer, from what it declares: every route can refuse bad input
 * (400) and fail (500), and answers 503 while the service shuts down; a credential brings 401/403;
 * a body brings 413/415; a path parameter 414; a write can conflict (409); a rate-limited route 429; login routes 423.
 * test/http/fuzz.openapi.test.ts holds every answer it draws to this list.
 */
export function errorStatusesFor(r: RouteFacts): number[] {
  const method = r.method.toUpperCase();
  const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const statuses = new Set([400, 500, 503]);
  if (r.auth && r.auth !== 'none') [401, 403, 404].forEach((s) => statuses.add(s));
  if (withBody || method === 'DELETE') [409, 413, 415].forEach((s) => statuses.add(s));
  if (r.limit) statuses.add(429);
  if (/\/authtickets|\/accounts\//i.test(r.url) && r.auth && r.auth !== 'none')
    [423, 429].forEach((s) => statuses.add(s));
  // Every API route reads a credential, from a header or (refresh, app login) from its body.
  if (/^\/api\//i.test(r.url)) statuses.add(401);
  if (r.url.includes(':')) statuses.add(414);
  return [...statuses].sort((a, b) => a - b);
}

/** The documented answer for one error status: the Kibo error shape, and which codes it carries. */
export function errorResponseFor(status: number): TSchema {
  // 414 is HTTP's own status for an over-long path parameter; its body carries the bad-parameter code.
  const codes = codesByStatus.get(status) ?? (status === 414 ? ['MISSING_OR_INVALID_PARAMETER'] : []);
  return Type.Ref('KiboError', { description: `${why[status] ?? 'An error.'} Codes: ${codes.join(', ')}.` });
}
