import pg from 'pg';
import { freePort, spawnNode, stopChild, waitForOk } from '../server.ts';

/** The PostgreSQL server the peer run uses (issue #16); the bench makes and drops its own databases there. */
export const PEERS_PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Makes an empty database `name` on PEERS_PG's server and answers its URL; `drop` removes it. */
export async function makeDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = async (statement: string) => {
    const c = new pg.Client({ connectionString: PEERS_PG });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  };
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  const url = new URL(PEERS_PG);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

export interface PeerServer {
  readonly baseUrl: string;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts bench/peers/<script> in its own process on a free loopback port, on `databaseUrl`. */
export async function startPeer(script: string, databaseUrl: string): Promise<PeerServer> {
  const port = await freePort();
  const { child, output } = spawnNode(
    `bench/peers/${script}`,
    { PORT: String(port), DATABASE_URL: databaseUrl, NODE_ENV: 'production' },
    script,
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForOk(`${baseUrl}/ok`, child, output, 60_000);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { baseUrl, pid: child.pid ?? 0, output, stop: () => stopChild(child) };
}
