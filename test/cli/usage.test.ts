import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.ts';
import { testConfigFile } from '../helpers/config.ts';
import { runCli } from '../helpers/cli.ts';

describe('admin CLI usage: help, exit codes', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-cli-usage-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('every command has a description and --help', () => {
    const names: string[] = [];
    const walk = (c: Command, prefix: string[]) => {
      for (const sub of c.commands) {
        const p = [...prefix, sub.name()];
        names.push(p.join(' '));
        assert.ok(sub.description().length > 10, `${p.join(' ')} is described`);
        assert.match(sub.helpInformation(), /^Usage: storefront-auth /, p.join(' '));
        assert.match(sub.helpInformation(), /-h, --help/, p.join(' '));
        walk(sub, p);
      }
    };
    walk(buildProgram(), []);
    for (const n of [
      'apps list',
      'apps create',
      'apps rotate-secret',
      'apps set-behaviors',
      'apps delete',
      'keys list',
      'keys rotate',
      'keys retire',
      'accounts import',
      'accounts export',
      'migrate',
      'prune',
      'operators create',
      'operators list',
      'operators disable',
      'operators enable',
      'operators reset-password',
    ])
      assert.ok(names.includes(n), n);
  });

  it('as a child process: --help exits 0, an unknown command or flag exits 2, a bad config exits 2 in one line', async () => {
    const help = await runCli(['accounts', 'import', '--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: storefront-auth accounts import \[options\] <file>/);
    assert.match(help.stdout, /--existing <mode>/);
    const unknown = await runCli(['frobnicate'], {});
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const role = await runCli(['operators', 'create', '--email', 'x@example.com', '--role', 'root'], {});
    assert.equal(role.code, 2);
    assert.match(role.stderr, /--role <role>' argument 'root' is invalid/);
    const flag = await runCli(['apps', 'create', '--tenant', '1', '--frob'], {});
    assert.equal(flag.code, 2);
    const badConfig = path.join(tmp, 'bad.json');
    fs.writeFileSync(badConfig, JSON.stringify({ ...testConfigFile(), keys: { publishAheadMinutes: 1 } }));
    const r = await runCli(['apps', 'list'], { CONFIG_FILE: badConfig, DATA_DIR: path.join(tmp, 'data') });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^storefront-auth: Invalid configuration at keys\.publishAheadMinutes/);
  });
});
