import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { KiboError } from '../domain/errors.ts';
import { ADMIN_OPS, type AdminCall, type AdminOps } from './ops.ts';

/**
 * The admin socket of a service on the embedded database: PGlite's files are held by one process,
 * so while the service runs the CLI sends its commands here instead of opening them. A Unix socket
 * in `<DATA_DIR>/run/` (a folder only the service's user may enter), one JSON object per line each
 * way: `{id, op, args}` → `{id, ok: true, result}` or `{id, ok: false, error: {code, message}}`.
 */
export const adminSocketPath = (dataDir: string): string => path.resolve(dataDir, 'run', 'admin.sock');

export interface AdminServer {
  path: string;
  close(): Promise<void>;
}

/** An op failed; `code` is the KiboError code (or INTERNAL_ERROR). */
export class AdminOpError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminOpError';
  }
}

export async function startAdminServer(dataDir: string, ops: AdminOps): Promise<AdminServer> {
  const file = adminSocketPath(dataDir);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  // A socket file left by a service that is gone (this process holds the data directory's lock).
  fs.rmSync(file, { force: true });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const lines = readline.createInterface({ input: socket, crlfDelay: Infinity });
    lines.on('line', (line) => {
      let id: unknown;
      void (async () => {
        try {
          const req = JSON.parse(line) as { id?: unknown; op?: unknown; args?: unknown };
          id = req.id;
          if (typeof req.op !== 'string' || !(ADMIN_OPS as readonly string[]).includes(req.op))
            throw new KiboError('MISSING_OR_INVALID_PARAMETER', `Unknown admin operation ${String(req.op)}`);
          const result = await (ops[req.op as keyof AdminOps] as (a: unknown) => Promise<unknown>)(req.args ?? {});
          socket.write(`${JSON.stringify({ id, ok: true, result })}\n`);
        } catch (err) {
          const error =
            err instanceof KiboError
              ? { code: err.code, message: err.message }
              : { code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
          socket.write(`${JSON.stringify({ id, ok: false, error })}\n`);
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => {
      server.off('error', reject);
      resolve();
    });
  });
  fs.chmodSync(file, 0o600);
  return {
    path: file,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(file, { force: true });
    },
  };
}

/**
 * Connects to a running service's admin socket; undefined when no service answers there (no
 * socket file, or one left by a service that is gone).
 */
export async function connectAdmin(dataDir: string): Promise<{ call: AdminCall; close(): void } | undefined> {
  const file = adminSocketPath(dataDir);
  if (!fs.existsSync(file)) return undefined;
  const socket = await new Promise<net.Socket | undefined>((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(undefined));
  });
  if (!socket) return undefined;
  const pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  let next = 1;
  const fail = (e: Error) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  socket.on('error', (e) => fail(e));
  socket.on('close', () => fail(new Error('The service closed the admin socket')));
  readline.createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => {
    const res = JSON.parse(line) as {
      id: number;
      ok: boolean;
      result?: never;
      error?: { code: string; message: string };
    };
    const p = pending.get(res.id);
    if (!p) return;
    pending.delete(res.id);
    if (res.ok) p.resolve(res.result as never);
    else p.reject(new AdminOpError(res.error!.code, res.error!.message));
  });
  return {
    call: (op, args) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (v: never) => void, reject });
        socket.write(`${JSON.stringify({ id, op, args })}\n`);
      }),
    close: () => socket.end(),
  };
}
