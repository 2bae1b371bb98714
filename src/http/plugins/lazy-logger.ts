import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

type LogFn = FastifyBaseLogger['info'];
/** Fastify's parent logger is pino (src/http/plugins/logging.ts configures it). */
type Parent = FastifyBaseLogger & Pick<Logger, 'isLevelEnabled'>;
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * A request's logger that becomes a real pino child only when it first writes a line.
 *
 * Fastify gives every request its own child logger (to bind the request id). A pino child is
 * built eagerly — bindings serialised, redaction set up — on every request, though at the
 * production level the token routes log nothing on the happy path (docs/performance.md). This one asks
 * the parent whether the level is enabled and, only if so, builds the same child pino would have.
 */
class LazyChildLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: Parent,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#child ? this.#child.level : this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return ((this.#child ?? this.parent) as Parent).isLevelEnabled(level);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }

  silent(): void {}
}

for (const level of LEVELS) {
  Object.defineProperty(LazyChildLogger.prototype, level, {
    value: function (this: LazyChildLogger, ...args: Parameters<LogFn>) {
      if (!this.isLevelEnabled(level satisfies Level)) return;
      (this.real[level] as (...a: unknown[]) => void)(...args);
    },
  });
}

/**
 * Fastify's `childLoggerFactory`. A route-level log level needs the real child at once (its level
 * differs from the parent's), so that case keeps pino's own behaviour.
 */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (
  logger,
  bindings,
  options,
) {
  if (options.level !== undefined) return logger.child(bindings, options);
  return new LazyChildLogger(logger as Parent, bindings, options) as unknown as FastifyBaseLogger;
};
