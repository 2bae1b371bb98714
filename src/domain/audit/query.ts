import type { AccountsRepo } from '../../store/repos/accounts.ts';
import type { AuditRepo, AuthEventQuery } from '../../store/repos/audit.ts';
import { scopeOf, type CallContext } from '../context.ts';
import { KiboError } from '../errors.ts';
import { mustFindAccount } from '../accounts/lookup.ts';

/** AuditLog/Entries' query: paging, `sortBy` and `filter` as the caller writes them. */
export interface AuditLogQuery {
  startIndex?: number;
  pageSize?: number;
  sortBy?: string;
  filter?: string;
}

/** An account's audit log as an admin pages through it (CONTRACT §6). */
export function createAuditLog(deps: { accounts: AccountsRepo; auditRepo: AuditRepo }) {
  const { accounts } = deps;
  const mustFind = (ctx: CallContext, id: number) => mustFindAccount(accounts, scopeOf(ctx), id);
  return {
    /** AuditLog/Entries: a page of the account's auth events. @throws ITEM_NOT_FOUND | MISSING_OR_INVALID_PARAMETER */
    async auditLog(ctx: CallContext, id: number, q: AuditLogQuery) {
      await mustFind(ctx, id);
      const startIndex = q.startIndex ?? 0;
      const pageSize = q.pageSize ?? 20;
      const { total, rows } = await deps.auditRepo.listForAccount({
        ...scopeOf(ctx),
        accountId: id,
        startIndex,
        pageSize,
        order: parseAuditSort(q.sortBy),
        ...parseAuditFilter(q.filter),
      });
      return { startIndex, pageSize, pageCount: Math.ceil(total / pageSize), totalCount: total, rows };
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;

const bad = (field: string, why: string) => new KiboError('MISSING_OR_INVALID_PARAMETER', why, { field });

/** `entryDate desc` (default), `entryDate asc`, `customerAuditEntryId asc|desc`. */
function parseAuditSort(sortBy?: string): AuthEventQuery['order'] {
  if (!sortBy?.trim()) return { column: 'created_at', desc: true };
  const m = /^\s*(entryDate|customerAuditEntryId)(?:\s+(asc|desc))?\s*$/i.exec(sortBy);
  if (!m) throw bad('sortBy', 'sortBy must be entryDate or customerAuditEntryId, then asc or desc');
  return {
    column: m[1].toLowerCase() === 'entrydate' ? 'created_at' : 'id',
    desc: (m[2] ?? 'asc').toLowerCase() === 'desc',
  };
}

/**
 * Terms joined by `and`: `description eq <event type>` (repeatable: any of them), and
 * `entryDate gt|ge|lt|le <ISO date>`. Values may be quoted.
 */
function parseAuditFilter(filter?: string): Pick<AuthEventQuery, 'types' | 'since' | 'until'> {
  const out: Pick<AuthEventQuery, 'types' | 'since' | 'until'> = {};
  if (!filter?.trim()) return out;
  for (const term of filter.split(/\s+and\s+/i)) {
    const m = /^\s*(description|entryDate)\s+(eq|gt|ge|lt|le)\s+(?:'([^']*)'|"([^"]*)"|(\S+))\s*$/i.exec(term);
    if (!m) throw bad('filter', `Unsupported filter term: ${term.trim().slice(0, 100)}`);
    const field = m[1].toLowerCase();
    const op = m[2].toLowerCase();
    const value = m[3] ?? m[4] ?? m[5];
    if (field === 'description') {
      if (op !== 'eq') throw bad('filter', 'description supports only eq');
      out.types = [...(out.types ?? []), value];
      continue;
    }
    const at = new Date(value);
    if (op === 'eq' || Number.isNaN(at.getTime()))
      throw bad('filter', 'entryDate needs gt, ge, lt or le and an ISO date');
    if (op === 'gt' || op === 'ge') out.since = { at, inclusive: op === 'ge' };
    else out.until = { at, inclusive: op === 'le' };
  }
  return out;
}
