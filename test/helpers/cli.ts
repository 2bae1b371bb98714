import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from './server.ts';
import { testConfigFile } from './config.ts';
import { createDatabase } from './db.ts';
import { adminServerFor } from '../../src/admin/service.ts';
import type { AdminServer } from '../../src/admin/socket.ts';
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON document (with --json), when it is one */
  json: any;
}

/**
 * Runs the admin CLI as a real child process from source, as `npx storefront-auth` would (the
 * bin launcher picks the same file without a build). Asynchronous: a service in this process must
 * keep answering its admin socket meanwhile.
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  /** Piped to the CLI's stdin (--password-stdin); without it stdin is left as execFile leaves it. */
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env } as NodeJS.ProcessEnv, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        let json: any;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, json });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

export interface CliTarget {
  /** the running service the CLI works beside */
  s: TestServer;
  env: Record<string, string>;
  tmp: string;
  cli(...args: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

/**
 * A running service and the environment a CLI needs to work on its data. On PostgreSQL
 * (TEST_DATABASE_URL) the CLI connects to the service's database directly; on the embedded
 * database the service holds the files in a real data directory and the CLI goes through its
 * admin socket.
 */
export async function startCliTarget(): Promise<CliTarget> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-cli-'));
  const configFile = testConfigFile();
  const configPath = path.join(tmp, 'config.json');
  fs.writeFileSync(configPath, JSON.stringify(configFile));
  const dataDir = path.join(tmp, 'data');
  const pg = process.env.TEST_DATABASE_URL;
  let s: TestServer;
  let admin: AdminServer | undefined;
  let drop = async () => {};
  let env: Record<string, string>;
  if (pg) {
    const db = await createDatabase(pg);
    drop = db.drop;
    s = await startTestServer({ databaseUrl: db.url, configFile });
    env = { DATABASE_URL: db.url, CONFIG_FILE: configPath, DATA_DIR: dataDir };
  } else {
    s = await startTestServer({ dataDir, configFile, env: { DATA_DIR: dataDir } });
    admin = await adminServerFor(s.services);
    env = { CONFIG_FILE: configPath, DATA_DIR: dataDir };
  }
  return {
    s,
    env,
    tmp,
    cli: (...args) => runCli(args, env),
    async close() {
      await admin?.close();
      await s.close();
      await drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
