// `accounts import` throughput: a generated file of legacy-hash accounts (bcrypt, stored as given:
// no argon2 at import) imported by the admin CLI as a child process, on a fresh embedded data
// directory or on BENCH_DATABASE_URL. Usage: tsx bench/import.ts [lines=20000]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { createDatabase } from '../test/helpers/db.ts';

const lines = Number(process.argv[2] ?? 20000);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-bench-import-'));
const file = path.join(tmp, 'accounts.jsonl');
const hash = bcrypt.hashSync('Passw0rd-bench', 10);
fs.writeFileSync(
  file,
  Array.from({ length: lines }, (_, i) =>
    JSON.stringify({
      emailAddress: `bench${i}@example.com`,
      firstName: `First${i}`,
      lastName: 'Bench',
      externalPassword: hash,
    }),
  ).join('\n') + '\n',
);

const base = process.env.BENCH_DATABASE_URL;
const db = base ? await createDatabase(base) : undefined;
const env = {
  PATH: process.env.PATH,
  LOG_LEVEL: 'warn',
  DATA_DIR: path.join(tmp, 'data'),
  ...(db ? { DATABASE_URL: db.url } : {}),
};
const cli = ['--import', 'tsx', 'src/cli/main.ts'];
execFileSync(process.execPath, [...cli, 'migrate'], { env, stdio: 'ignore' });

/** One import run; `seconds` is the CLI's own figure (reading the file to the summary). */
const run = () =>
  new Promise<{ summary: Record<string, number> }>((resolve, reject) => {
    const child = spawn(process.execPath, [...cli, '--json', 'accounts', 'import', file], { env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve({ summary: JSON.parse(out) }));
  });

const first = await run();
const second = await run(); // a re-run: every line is found and skipped
console.log(
  JSON.stringify(
    {
      database: db ? 'postgresql' : 'pglite',
      cores: os.availableParallelism(),
      lines,
      import: {
        seconds: first.summary.seconds,
        perSecond: Math.round(lines / first.summary.seconds),
        created: first.summary.created,
      },
      rerun: {
        seconds: second.summary.seconds,
        perSecond: Math.round(lines / second.summary.seconds),
        skipped: second.summary.skipped,
      },
      load: os.loadavg()[0],
    },
    null,
    2,
  ),
);
await db?.drop();
fs.rmSync(tmp, { recursive: true, force: true });
