import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { protocol, types, type PGlite } from '@electric-sql/pglite';
import type { PoolStats } from './db.ts';
import { STALE_PLAN } from './pg-prepared.ts';

const { serialize } = protocol;

/** What a prepared statement needs on every run: its name, its parameter types, its result columns. */
interface Prepared {
  name: string;
  paramTypes: number[];
  fields: { name: string; type: number }[];
}

/** Statements worth keeping prepared: queries and transaction control. Anything else is DDL. */
const CACHEABLE = /^\s*(select|insert|update|delete|with|values|begin|start|commit|rollback|savepoint|release)\b/i;
/** Types whose binary wire format is their UTF-8 text: text, varchar, json. */
const BYTES_AS_TEXT = new Set([25, 1043, 114]);

/**
 * Kysely over embedded PGlite, with every distinct statement parsed and planned once.
 *
 * PGlite's own `query()` makes six calls into the database per statement (parse, describe, bind,
 * describe, execute, sync), re-plans the statement every time and copies its table of ~300 type
 * parsers per call: a one-row lookup costs 1.5–2.5 ms of the only JavaScript thread. Here a
 * statement is prepared under a name the first time its SQL text is seen, and each run after is one
 * call (bind, execute, sync): measured 6–7× cheaper for small statements (docs/performance.md).
 * Values are serialised and rows parsed with PGlite's own type handlers, so results are the same.
 *
 * Like kysely-pglite-dialect, it has one connection, handed to one caller at a time (PGlite is a
 * single session); transactions hold it from BEGIN to COMMIT.
 */
export class PreparedPGliteDialect implements Dialect {
  private driver?: PreparedPGliteDriver;
  constructor(
    private readonly pg: PGlite,
    private readonly opts: { maxStatements?: number } = {},
  ) {}
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    this.driver = new PreparedPGliteDriver(this.pg, this.opts.maxStatements ?? 200);
    return this.driver;
  }
  /** The one connection: in use or not, and the callers waiting for it (metrics). */
  pool(): PoolStats {
    return { size: 1, inUse: this.driver?.busy ? 1 : 0, waiting: this.driver?.waiting.length ?? 0 };
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

class PreparedPGliteDriver implements Driver {
  private readonly connection: PreparedPGliteConnection;
  busy = false;
  readonly waiting: ((c: DatabaseConnection) => void)[] = [];

  constructor(
    private readonly pg: PGlite,
    maxStatements: number,
  ) {
    this.connection = new PreparedPGliteConnection(pg, maxStatements);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (!this.busy) {
      this.busy = true;
      return this.connection;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async releaseConnection(): Promise<void> {
    const next = this.waiting.shift();
    if (next) next(this.connection);
    else this.busy = false;
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    const mode = settings.accessMode ? ` ${settings.accessMode}` : '';
    await conn.executeQuery(CompiledQuery.raw(level || mode ? `start transaction${level}${mode}` : 'begin'));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}

class PreparedPGliteConnection implements DatabaseConnection {
  /** SQL text → prepared statement; a Map in use order, so the first entry is the least recent. */
  private readonly statements = new Map<string, Prepared>();
  /** Names of statements dropped from the cache, closed with the next message. */
  private toClose: string[] = [];
  private seq = 0;

  constructor(
    private readonly pg: PGlite,
    private readonly max: number,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const values = compiled.parameters;
    if (!CACHEABLE.test(compiled.sql)) {
      // DDL: run once, unnamed, and forget every kept statement (their tables may have changed).
      this.forgetAll();
      return this.run<R>(await this.prepare(compiled.sql, ''), values);
    }
    try {
      return await this.run<R>(await this.cached(compiled.sql), values);
    } catch (err) {
      if ((err as { code?: string }).code !== STALE_PLAN) throw err;
      this.forget(compiled.sql);
      return this.run<R>(await this.cached(compiled.sql), values);
    }
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(compiled);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }

  private async cached(sql: string): Promise<Prepared> {
    const hit = this.statements.get(sql);
    if (hit) {
      // Move to the back: most recently used.
      this.statements.delete(sql);
      this.statements.set(sql, hit);
      return hit;
    }
    const prepared = await this.prepare(sql, `k${++this.seq}`);
    this.statements.set(sql, prepared);
    if (this.statements.size > this.max) this.forget(this.statements.keys().next().value as string);
    return prepared;
  }

  /** Parse (and plan, for a named statement) once; learn the parameter and result types. */
  private async prepare(text: string, name: string): Promise<Prepared> {
    const { messages } = await this.pg.execProtocol(
      this.message([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]),
    );
    let paramTypes: number[] = [];
    let fields: Prepared['fields'] = [];
    for (const m of messages) {
      if (m instanceof protocol.messages.ParameterDescriptionMessage) paramTypes = m.dataTypeIDs;
      else if (m instanceof protocol.messages.RowDescriptionMessage)
        fields = m.fields.map((f) => ({ name: f.name, type: f.dataTypeID }));
    }
    return { name, paramTypes, fields };
  }

  private async run<R>(st: Prepared, values: readonly unknown[]): Promise<QueryResult<R>> {
    const serializers = this.pg.serializers;
    const text = values.map((v, i) => {
      if (v === null || v === undefined) return null;
      const type = st.paramTypes[i];
      const serializer = serializers[type];
      const out: string = serializer ? serializer(v) : String(v);
      // A long text or json value (the batched rows) goes as bytes: for these types the binary
      // format is the UTF-8 text itself, and Node encodes it natively where the protocol writer
      // would walk it character by character in JavaScript.
      return out.length > 256 && BYTES_AS_TEXT.has(type) ? Buffer.from(out, 'utf8') : out;
    });
    const { messages } = await this.pg.execProtocol(
      this.message([serialize.bind({ statement: st.name, values: text }), serialize.execute({}), serialize.sync()]),
    );
    const parsers = this.pg.parsers;
    const rows: R[] = [];
    let affected: bigint | undefined;
    for (const m of messages) {
      if (m instanceof protocol.messages.DataRowMessage) {
        const row: Record<string, unknown> = {};
        for (let i = 0; i < st.fields.length; i++)
          row[st.fields[i].name] = types.parseType(m.fields[i], st.fields[i].type, parsers);
        rows.push(row as R);
      } else if (m instanceof protocol.messages.CommandCompleteMessage) {
        affected = affectedRows(m.text);
      }
    }
    return affected === undefined ? { rows } : { rows, numAffectedRows: affected };
  }

  /** One protocol message, with any pending closes of dropped statements in front. */
  private message(parts: Uint8Array[]): Uint8Array {
    if (this.toClose.length) {
      parts = [...this.toClose.map((name) => serialize.close({ type: 'S', name })), ...parts];
      this.toClose = [];
    }
    let size = 0;
    for (const p of parts) size += p.length;
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private forget(sql: string): void {
    const st = this.statements.get(sql);
    if (!st) return;
    this.statements.delete(sql);
    this.toClose.push(st.name);
  }

  private forgetAll(): void {
    for (const sql of [...this.statements.keys()]) this.forget(sql);
  }
}

/** Rows written, from a command tag such as `INSERT 0 3` or `UPDATE 2`; undefined for others. */
function affectedRows(tag: string): bigint | undefined {
  const [command, a, b] = tag.split(' ');
  if (command === 'INSERT') return BigInt(b);
  if (command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' || command === 'COPY') return BigInt(a);
  return undefined;
}
