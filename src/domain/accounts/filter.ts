import type { FilterColumn, FilterTerm } from '../../store/repos/accounts.ts';
import { KiboError } from '../errors.ts';

const columns: Record<string, FilterColumn> = {
  id: 'id',
  userid: 'userId',
  username: 'userName',
  emailaddress: 'emailAddress',
  firstname: 'firstName',
  lastname: 'lastName',
  externalid: 'externalId',
  islocked: 'isLocked',
  'auditinfo.createdate': 'createDate',
  'auditinfo.updatedate': 'updateDate',
  createdate: 'createDate',
  updatedate: 'updateDate',
};
/** A field name's column, looked up as an own property only (`constructor`, `__proto__` are not fields). */
const columnOf = (name: string): FilterColumn | undefined =>
  Object.hasOwn(columns, name.toLowerCase()) ? columns[name.toLowerCase()] : undefined;
const ops = new Set(['eq', 'ne', 'sw', 'cont', 'gt', 'lt', 'ge', 'le']);

/**
 * Kibo's filter syntax, the part storefront tools use: `field op value` terms joined by `and`,
 * values quoted ('…' or "…") or bare (numbers, true/false).
 * @throws MISSING_OR_INVALID_PARAMETER for anything else
 */
export function parseFilter(filter: string | undefined): FilterTerm[] {
  if (!filter || !filter.trim()) return [];
  const terms: FilterTerm[] = [];
  const re = /\s*([\w.]+)\s+(\w+)\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s]+)\s*(?:\s+and\s+|$)/iy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < filter.length && (m = re.exec(filter))) {
    consumed = re.lastIndex;
    const column = columnOf(m[1]);
    const op = m[2].toLowerCase();
    if (!column) bad(`unknown filter field ${m[1]}`);
    if (!ops.has(op)) bad(`unknown filter operator ${m[2]}`);
    terms.push({ column, op: op as FilterTerm['op'], value: toValue(column, m[3]) });
  }
  if (consumed !== filter.length) bad('the filter is malformed');
  return terms;
}

/** `sortBy=emailAddress desc` */
export function parseSortBy(sortBy: string | undefined): { column: FilterColumn; desc: boolean } | undefined {
  if (!sortBy || !sortBy.trim()) return undefined;
  const [field, dir = 'asc', ...rest] = sortBy.trim().split(/\s+/);
  const column = columnOf(field);
  if (!column || rest.length || !['asc', 'desc'].includes(dir.toLowerCase()))
    bad('sortBy must be `field [asc|desc]`', 'sortBy');
  return { column, desc: dir.toLowerCase() === 'desc' };
}

function toValue(column: FilterColumn, raw: string): string | number | boolean {
  const quoted = /^(["']).*\1$/s.test(raw);
  const text = quoted ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  if (column === 'id') {
    if (!/^\d{1,10}$/.test(text) || Number(text) > 2 ** 31 - 1) bad('id filters take a number up to 2147483647');
    return Number(text);
  }
  if (column === 'isLocked') {
    if (!['true', 'false'].includes(text.toLowerCase())) bad('isLocked filters take true or false');
    return text.toLowerCase() === 'true';
  }
  if ((column === 'createDate' || column === 'updateDate') && Number.isNaN(Date.parse(text)))
    bad('date filters take an ISO date');
  return text;
}

function bad(message: string, field = 'filter'): never {
  throw new KiboError('MISSING_OR_INVALID_PARAMETER', message, { field });
}
