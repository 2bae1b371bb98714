import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const base: Options = { removeAdditional: true, useDefaults: true, allErrors: false, strict: false };

/**
 * Two validators: query strings, params and headers are text on the wire and are coerced to the
 * declared types; bodies are JSON and must already have the right types (a number where a string
 * belongs is a 400, not silently converted).
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = addFormats(new Ajv({ ...base, coerceTypes: 'array' }));
  const strictTypes = addFormats(new Ajv({ ...base, coerceTypes: false }));
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? strictTypes : coercing).compile(schema as object) as ReturnType<
      FastifySchemaCompiler<unknown>
    >;
}
