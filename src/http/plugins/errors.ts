import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { KiboError, toKiboBody, type ErrorCode } from '../../domain/errors.ts';
import { errorResponses } from '../schemas/common.ts';

const CORRELATION = 'x-vol-correlation';

/** Fastify's own failures, by their code, as Kibo errors. */
const frameworkCodes: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['MISSING_OR_INVALID_PARAMETER', 'The request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [
    'MISSING_OR_INVALID_PARAMETER',
    'The request body is empty but its content type is JSON',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'The request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type; send application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['MISSING_OR_INVALID_PARAMETER', 'Content-Length does not match the body'],
  FST_ERR_CTP_INVALID_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'Invalid content type'],
  FST_ERR_BAD_URL: ['MISSING_OR_INVALID_PARAMETER', 'The URL is malformed'],
};

const byStatus: Record<number, ErrorCode> = {
  400: 'MISSING_OR_INVALID_PARAMETER',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'ITEM_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'VALIDATION_CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** Postgres unique violations, by constraint name, as the conflict a caller should see. */
const uniqueConstraints: Record<string, string> = {
  accounts_email_unique: 'An account with this email address already exists in the customer set',
  accounts_user_name_unique: 'An account with this user name already exists in the customer set',
};

/** Turns anything thrown into a KiboError; unknown failures become INTERNAL_ERROR (logged, not leaked). */
export function toKiboError(err: unknown): KiboError | undefined {
  if (err instanceof KiboError) return err;
  const e = err as FastifyError & { constraint?: string; code?: string };
  if (e?.code === '23505') {
    const msg = (e.constraint && uniqueConstraints[e.constraint]) ?? 'The item already exists';
    return new KiboError('VALIDATION_CONFLICT', msg);
  }
  if (e?.validation) {
    const first = e.validation[0];
    const where = e.validationContext ?? 'request';
    const field = `${where}${first?.instancePath ? first.instancePath.replaceAll('/', '.') : ''}`;
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    return new KiboError(
      'MISSING_OR_INVALID_PARAMETER',
      `Invalid ${missing ? `${field}.${missing}` : field}: ${first?.message ?? 'invalid'}`,
      {
        field: missing ? `${field}.${missing}` : field,
      },
    );
  }
  if (e?.code && frameworkCodes[e.code]) {
    const [code, message] = frameworkCodes[e.code];
    return new KiboError(code, message);
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status < 500 && byStatus[status])
    return new KiboError(byStatus[status], status === 429 ? 'Too many requests' : undefined);
  if (status < 500) return new KiboError('MISSING_OR_INVALID_PARAMETER');
  return undefined;
}

export function sendKiboError(reply: FastifyReply, err: KiboError): FastifyReply {
  if (err.retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfter))));
  return reply.status(err.status).type('application/json; charset=utf-8').send(toKiboBody(err));
}

/**
 * The one error handler: every failure — ours, validation, bad JSON, oversized bodies, unknown
 * routes, wrong methods — leaves as a Kibo JSON error.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  const router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: false });
  app.addHook('onRoute', (r) => {
    // Every documented route documents the Kibo error answers too (routes added later included),
    // so the OpenAPI document says what each status carries.
    if (r.schema && !r.schema.hide)
      r.schema = { ...r.schema, response: { ...errorResponses, ...(r.schema.response as object | undefined) } };
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) {
      try {
        router.on(m as HTTPMethod, r.url, () => {});
      } catch {
        // duplicate shapes (HEAD for GET) are fine to skip
      }
    }
  });

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const kibo = toKiboError(error);
    if (!kibo) {
      request.log.error({ err: error }, 'unhandled error');
      return sendKiboError(reply, new KiboError('INTERNAL_ERROR'));
    }
    if (kibo.status >= 500) request.log.error({ err: error }, kibo.message);
    return sendKiboError(reply, kibo);
  });

  // While closing, Fastify would shed load with its own 503 body (return503OnClosing is off in app.ts).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // The per-request hooks are callback style: a synchronous hook then costs no promise per request.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('connection', 'close');
    sendKiboError(reply, new KiboError('SERVICE_UNAVAILABLE', 'The service is shutting down; try again'));
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    const allowed = (['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const).filter(
      (m) => m !== request.method && router.find(m, path),
    );
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendKiboError(reply, new KiboError('METHOD_NOT_ALLOWED', `Method ${request.method} is not allowed here`));
    }
    return sendKiboError(reply, new KiboError('ITEM_NOT_FOUND', 'No such route'));
  });
}

/**
 * For Fastify's `clientErrorHandler` option: requests so malformed that Node's HTTP parser rejects
 * them (bad framing, oversized headers, timeouts) never reach the error handler above, and
 * Fastify's default answers them in its own JSON shape. This answers in Kibo's shape instead.
 */
export function kiboClientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'The request took too long to arrive']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'The request headers are too large']
        : [400, 'Bad Request', 'The request is not valid HTTP'];
  const body = JSON.stringify(toKiboBody(new KiboError('MISSING_OR_INVALID_PARAMETER', message)));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nx-vol-correlation: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * For Fastify's `frameworkErrors` option: the router's own failures (a malformed URL, a path
 * parameter over maxParamLength) are answered before any hook runs, and by default in Fastify's
 * shape, without the correlation id, echoing the whole URL (which can be a token). These answer in
 * Kibo's shape instead, naming no part of the URL.
 */
export function kiboFrameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header(CORRELATION, request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    // 414 keeps HTTP's meaning; the body is the Kibo error a bad parameter gets.
    const err = new KiboError('MISSING_OR_INVALID_PARAMETER', 'A path parameter is too long', { field: 'params' });
    void reply.status(414).type('application/json; charset=utf-8').send(toKiboBody(err));
    return;
  }
  const kibo = toKiboError(error);
  if (!kibo || kibo.status >= 500) request.log.error({ err: error }, 'router error');
  void sendKiboError(reply, kibo && kibo.status < 500 ? kibo : new KiboError('INTERNAL_ERROR'));
}
