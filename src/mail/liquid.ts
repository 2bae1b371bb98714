import { createRequire } from 'node:module';
import type { Liquid, Template } from 'liquidjs';

/** Which engine a template part goes through: HTML escapes every output, plain text escapes none. */
export type Escaping = 'html' | 'plain';

let engines: Record<Escaping, Liquid> | undefined;
const parsed = new Map<string, Template[]>();

/**
 * The two LiquidJS engines, loaded on first use: importing liquidjs costs ~120 ms, which a start
 * without per-site templates should not pay before its first mail (start time, issue #15). It is
 * required synchronously so that rendering stays synchronous for its callers.
 */
function liquid(): Record<Escaping, Liquid> {
  if (!engines) {
    const { Liquid } = createRequire(import.meta.url)('liquidjs') as typeof import('liquidjs');
    // No partials or layouts: `templates: {}` makes {% include %} / {% render %} find nothing, so a
    // template never reads a file. Unknown filters are parse errors, caught when the config loads.
    const options = { strictFilters: true, templates: {} };
    engines = {
      html: new Liquid({ ...options, outputEscape: 'escape' }),
      plain: new Liquid(options),
    };
  }
  return engines;
}

/** A template's parse, kept per source text (each site's few templates, parsed once). */
function parse(escaping: Escaping, source: string): Template[] {
  const key = `${escaping}\0${source}`;
  let tpl = parsed.get(key);
  if (!tpl) {
    tpl = liquid()[escaping].parse(source);
    parsed.set(key, tpl);
  }
  return tpl;
}

/** Renders `source` with `vars`; absent variables render as nothing. */
export function render(escaping: Escaping, source: string, vars: object): string {
  return String(liquid()[escaping].renderSync(parse(escaping, source), vars));
}

/**
 * Parses `source` and renders it once with `sample` (every variable its mail offers) under strict
 * variables, so a syntax error, an unknown filter or a misspelt variable shows at start.
 * @throws Error whose message says what is wrong
 */
export function check(escaping: Escaping, source: string, sample: object): void {
  liquid()[escaping].renderSync(parse(escaping, source), sample, { strictVariables: true });
}
