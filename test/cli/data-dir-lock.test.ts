import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.ts';

// PGlite's files are held by one process at a time (DATA_DIR/pglite.lock, with the holder's pid).
describe('admin CLI and the embedded database lock', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-cli-lock-'));
  const env = { DATA_DIR: path.join(tmp, 'data') };
  const lock = path.join(env.DATA_DIR, 'pglite.lock');
  fs.mkdirSync(env.DATA_DIR, { recursive: true });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('refuses in one line while another live process holds the files and does not answer', async () => {
    // This test process holds the lock (as a service still starting would), with no admin socket.
    fs.writeFileSync(lock, `${process.pid}\n`);
    try {
      const r = await runCli(['apps', 'list'], env);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `storefront-auth: The embedded database in ${env.DATA_DIR} is held by process ${process.pid}, which does not answer on its admin socket; stop it or wait for it to start\n`,
      );
    } finally {
      fs.rmSync(lock);
    }
    // A lock left by a process that is gone is taken over (and let go again).
    fs.writeFileSync(lock, '999999999\n');
    const r = await runCli(['--json', 'migrate', '--check'], env);
    assert.equal(r.code, 1, 'it opened the files: a new data directory needs every migration');
    assert.ok(r.json.pending.includes('0001_init'));
    assert.ok(!fs.existsSync(lock));
  });
});
