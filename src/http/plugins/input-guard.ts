import type { FastifyInstance } from 'fastify';
import { KiboError } from '../../domain/errors.ts';

/**
 * Text PostgreSQL cannot store: a NUL character is refused by the database (and by PGlite) with an
 * error that would surface as a 500. Checked once here, for every route (so routes added later are
 * covered), before validation: every string and key of the body, the query and the path
 * parameters. The field is named the way validation errors name it (`body.account.emailAddress`).
 */
export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const field =
      nulField(request.params, 'params') ?? nulField(request.query, 'querystring') ?? nulField(request.body, 'body');
    done(field === undefined ? undefined : nulError(field));
  });
}

function nulError(field: string): KiboError {
  return new KiboError('MISSING_OR_INVALID_PARAMETER', `Invalid ${field}: must not contain a NUL character`, {
    field,
  });
}

/** The dotted path of a string or key holding U+0000, or undefined when there is none. */
export function nulField(value: unknown, root: string): string | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}.${i}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        // A bad key names the object that holds it (the key itself is not echoed).
        if (k.includes('\u0000')) return path;
        stack.push([child, `${path}.${k}`]);
      }
    }
  }
  return undefined;
}
