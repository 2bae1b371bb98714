import { KiboError } from './errors.ts';

/** A value a field of an item can be filtered and sorted on. */
export type FieldValue = string | number | boolean | null | undefined;

export interface PageQuery {
  startIndex?: number;
  pageSize?: number;
  sortBy?: string;
  filter?: string;
}

export interface Page<T> {
  startIndex: number;
  pageSize: number;
  pageCount: number;
  totalCount: number;
  items: T[];
}

const OPS = ['eq', 'ne', 'sw', 'cont', 'gt', 'lt', 'ge', 'le'] as const;
type Op = (typeof OPS)[number];

function bad(message: string, field = 'filter'): never {
  throw new KiboError('MISSING_OR_INVALID_PARAMETER', message, { field });
}

/**
 * Kibo's collection query over a small in-memory list (an account's contacts or attributes):
 * `filter` terms `field op value` joined by `and` (the grammar of the account list), `sortBy`
 * `field [asc|desc]`, then `startIndex` / `pageSize` (default 20, at most 200). Field names are
 * matched without regard to case; text compares without regard to case.
 * @throws MISSING_OR_INVALID_PARAMETER for an unknown field or operator, or a malformed filter
 */
export function pageOf<T>(items: readonly T[], q: PageQuery, fields: Record<string, (item: T) => FieldValue>): Page<T> {
  const byName = new Map(Object.entries(fields).map(([k, f]) => [k.toLowerCase(), f]));
  let out = [...items];
  for (const t of parseTerms(q.filter)) {
    const get = byName.get(t.field.toLowerCase()) ?? bad(`unknown filter field ${t.field}`);
    out = out.filter((item) => matches(get(item), t.op, t.value));
  }
  if (q.sortBy?.trim()) {
    const [field, dir = 'asc', ...rest] = q.sortBy.trim().split(/\s+/);
    const get = byName.get(field.toLowerCase());
    if (!get || rest.length || !['asc', 'desc'].includes(dir.toLowerCase()))
      bad('sortBy must be `field [asc|desc]`', 'sortBy');
    const sign = dir.toLowerCase() === 'desc' ? -1 : 1;
    out.sort((a, b) => sign * compare(get(a), get(b)));
  }
  const startIndex = q.startIndex ?? 0;
  const pageSize = q.pageSize ?? 20;
  return {
    startIndex,
    pageSize,
    pageCount: Math.ceil(out.length / pageSize),
    totalCount: out.length,
    items: out.slice(startIndex, startIndex + pageSize),
  };
}

function parseTerms(filter: string | undefined): { field: string; op: Op; value: string }[] {
  if (!filter?.trim()) return [];
  const re = /\s*([\w.]+)\s+(\w+)\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s]+)\s*(?:\s+and\s+|$)/iy;
  const terms: { field: string; op: Op; value: string }[] = [];
  let m: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < filter.length && (m = re.exec(filter))) {
    consumed = re.lastIndex;
    const op = m[2].toLowerCase() as Op;
    if (!OPS.includes(op)) bad(`unknown filter operator ${m[2]}`);
    const quoted = /^(["']).*\1$/s.test(m[3]);
    terms.push({ field: m[1], op, value: quoted ? m[3].slice(1, -1).replace(/\\(.)/g, '$1') : m[3] });
  }
  if (consumed !== filter.length) bad('the filter is malformed');
  return terms;
}

const text = (v: FieldValue) => (v === null || v === undefined ? '' : String(v).toLowerCase());

function compare(a: FieldValue, b: FieldValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0;
}

function matches(actual: FieldValue, op: Op, raw: string): boolean {
  const want: FieldValue =
    typeof actual === 'number' && raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  const c = compare(actual, want);
  switch (op) {
    case 'eq':
      return c === 0;
    case 'ne':
      return c !== 0;
    case 'sw':
      return text(actual).startsWith(text(want));
    case 'cont':
      return text(actual).includes(text(want));
    case 'gt':
      return c > 0;
    case 'lt':
      return c < 0;
    case 'ge':
      return c >= 0;
    case 'le':
      return c <= 0;
  }
}
