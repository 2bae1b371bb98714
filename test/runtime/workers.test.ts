import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDatabase } from '../helpers/db.ts';

// Postgres runs wherever the suite runs (CI included); TEST_DATABASE_URL picks another server.
const PG = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const MAIN_JS = 'dist/src/main.js';
const APP = { client_id: 'workers-test', client_secret: 'workers-test-secret' };

/** The compiled service, as `npm start` runs it: built again when src/ is newer than dist/. */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...fs.readdirSync(dir, { withFileTypes: true }).map((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs;
      }),
    );
  const built = fs.existsSync(MAIN_JS) ? fs.statSync(MAIN_JS).mtimeMs : 0;
  if (built > newest('src')) return;
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'ignore' });
  assert.equal(r.status, 0, 'npm run build');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** One request on a connection of its own, so that the cluster hands it to the next worker. */
function request(
  port: number,
  method: string,
  pathName: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: pathName,
        agent: false,
        headers: { ...headers, connection: 'close', ...(data ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Child process ids of `pid` (Linux). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    const text = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text) out.push(...text.split(/\s+/).map(Number));
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );
}

describe('WORKERS (the compiled service)', () => {
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-workers-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('WORKERS=2 on PostgreSQL: two processes answer on one port, and a token of one is good at the other', async () => {
    const db = await createDatabase(PG);
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN_JS], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: path.join(dir, 'pg'),
        DATABASE_URL: db.url,
        WORKERS: '2',
        LOG_LEVEL: 'warn',
        BOOTSTRAP_CLIENT_ID: APP.client_id,
        BOOTSTRAP_CLIENT_SECRET: APP.client_secret,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ready = await request(port, 'GET', '/readyz', {}).catch(() => undefined);
        if (ready?.status === 200 && childrenOf(child.pid!).length === 2) break;
        assert.ok(child.exitCode === null, `the service exited: ${stderr}`);
        assert.ok(Date.now() < deadline, `not ready in time: ${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const workers = childrenOf(child.pid!);
      assert.equal(workers.length, 2);
      // Each request on a new connection: the primary deals connections to the workers in turn.
      const oauth = '/api/platform/applications/authtickets/oauth';
      const tokens = await Promise.all(
        Array.from({ length: 6 }, () => request(port, 'POST', oauth, {}, { ...APP, grant_type: 'client_credentials' })),
      );
      for (const t of tokens) assert.equal(t.status, 200);
      const headers = (token: string) => ({ 'x-vol-tenant': '1', 'x-vol-site': '1', authorization: `Bearer ${token}` });
      for (const t of tokens) {
        const guest = await request(
          port,
          'GET',
          '/api/commerce/customer/authtickets/anonymousshopper',
          headers(t.json.access_token),
        );
        assert.equal(guest.status, 200);
        assert.ok(guest.json.jwtAccessToken);
      }

      child.kill('SIGTERM');
      assert.equal(await exited(child), 0);
      for (const w of workers) assert.ok(!alive(w), `worker ${w} ended with the service`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await db.drop();
    }
  });

  it('the embedded database refuses WORKERS=2 with one line and exit code 2', () => {
    const dataDir = path.join(dir, 'pglite');
    const r = spawnSync(process.execPath, [MAIN_JS], {
      env: { PATH: process.env.PATH, PORT: '0', DATA_DIR: dataDir, WORKERS: '2' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /WORKERS.*PostgreSQL \(DATABASE_URL\)/);
    assert.ok(!fs.existsSync(dataDir), 'nothing was started');
  });
});
