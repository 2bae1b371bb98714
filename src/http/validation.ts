import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const base: Options = { removeAdditional: true, useDefaults: true, allErrors: false, strict: false };

type Validate = ReturnType<FastifySchemaCompiler<unknown>>;
type SerializerFactory = ReturnType<typeof SerializerSelector>;

/**
 * The route schemas' validators and serializers, compiled when first used instead of when the app
 * is built: compiling all of them up front was most of a restart's time (docs/performance.md,
 * "Memory and start time"). `warm()` compiles whatever is left, a few at a time, once the server
 * answers; the test server awaits it, so a schema that cannot compile still fails every test run.
 */
export function createSchemaCompilers() {
  const pending = new Set<() => void>();
  function lazily<F extends (...args: never[]) => unknown>(compile: () => F, expose?: (fn: F) => void): () => F {
    let fn: F | undefined;
    const get = () => {
      if (fn === undefined) {
        fn = compile();
        pending.delete(get);
        expose?.(fn);
      }
      return fn;
    };
    pending.add(get);
    return get;
  }

  const coercing = addFormats(new Ajv({ ...base, coerceTypes: 'array' }));
  const strictTypes = addFormats(new Ajv({ ...base, coerceTypes: false }));
  /**
   * Two validators: query strings, params and headers are text on the wire and are coerced to the
   * declared types; bodies are JSON and must already have the right types (a number where a string
   * belongs is a 400, not silently converted).
   */
  const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strictTypes : coercing;
    // Fastify reads `.errors` from the function it was given after a failed validation.
    const validate = ((data: unknown) => {
      const fn = get();
      const ok = fn(data);
      validate.errors = fn.errors;
      return ok;
    }) as Validate;
    const get = lazily(() => ajv.compile(schema as object) as Validate);
    return validate;
  };

  const defaultSerializers: SerializerFactory = SerializerSelector();
  const buildSerializer: SerializerFactory = (externalSchemas, options) => {
    const compileFor = defaultSerializers(externalSchemas, options);
    return (route) => {
      const get = lazily(() => compileFor(route));
      return (data: unknown) => get()(data);
    };
  };

  return {
    validatorCompiler,
    /** For Fastify's `schemaController.compilersFactory`. */
    compilersFactory: { buildSerializer } satisfies NonNullable<
      NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
    >,
    /** Compiles every schema not used yet, yielding to the event loop between them. */
    async warm(): Promise<void> {
      for (const get of [...pending]) {
        get();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
  };
}
