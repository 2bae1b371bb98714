import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import type { ConfigFile } from '../../src/config/schema.ts';
import { testConfigFile } from '../helpers/config.ts';

/** testConfigFile() with site 2 of tenant 1 given `mail`. */
function withMail(mail: unknown): ConfigFile {
  const f = testConfigFile();
  (f.tenants[0].sites[1] as { mail?: unknown }).mail = mail;
  return f;
}

function rejects(file: ConfigFile, field: string, why?: RegExp): void {
  assert.throws(
    () => loadConfig({}, JSON.stringify(file)),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.ok(err.message.includes(field), `"${err.message}" should name ${field}`);
      if (why) assert.match(err.message, why);
      return true;
    },
  );
}

describe('loadConfig: per-site mail', () => {
  it('keeps a site’s reset URL and templates, and gives the other sites none', () => {
    const html = '<p>{{ code }} for {{ firstName | default: userName }}</p>';
    const c = loadConfig(
      {},
      JSON.stringify(
        withMail({ resetUrl: 'https://shop.example/account/reset', templates: { passwordReset: { html } } }),
      ),
    );
    const [one, two] = c.tenants[0].sites;
    assert.deepEqual(two.mail, {
      resetUrl: 'https://shop.example/account/reset',
      templates: { passwordReset: { html } },
    });
    assert.deepEqual(one.mail, { templates: {} });
    assert.ok(Object.isFrozen(two.mail.templates.passwordReset));
    // The built-in default's reset mail links to its shopper pages (test/config/pages-config.test.ts).
    assert.deepEqual(loadConfig({ ACCOUNT_PAGES: 'false' }).tenants[0].sites[0].mail, { templates: {} });
    assert.deepEqual(loadConfig({}).tenants[0].sites[0].mail, {
      resetUrl: 'http://localhost:8080/account/reset',
      templates: {},
    });
  });

  it('stops at a template that does not parse, naming its field', () => {
    rejects(
      withMail({ templates: { twoFactor: { html: '<p>{% if code %}{{ code }}</p>' } } }),
      'tenants[0].sites[1].mail.templates.twoFactor.html',
      /Liquid/,
    );
    rejects(
      withMail({ templates: { otpLogin: { subject: 'Code {{ code ' } } }),
      'sites[1].mail.templates.otpLogin.subject',
    );
  });

  it('stops at an unknown filter or variable, and at a variable another mail has', () => {
    rejects(
      withMail({ templates: { otpLogin: { text: '{{ code | shout }}' } } }),
      'tenants[0].sites[1].mail.templates.otpLogin.text',
      /shout/,
    );
    rejects(
      withMail({ templates: { passwordReset: { text: '{{ cod }}' } } }),
      'tenants[0].sites[1].mail.templates.passwordReset.text',
      /cod/,
    );
    rejects(
      withMail({ templates: { twoFactor: { text: '{{ resetUrl }}' } } }),
      'tenants[0].sites[1].mail.templates.twoFactor.text',
      /resetUrl/,
    );
  });

  it('never reads a file from a template', () => {
    rejects(
      withMail({ templates: { passwordReset: { html: "{% include 'package.json' %}" } } }),
      'tenants[0].sites[1].mail.templates.passwordReset.html',
    );
  });

  it('rejects an unknown mail or part, and a reset URL that is not an absolute http(s) URL', () => {
    rejects(withMail({ templates: { welcome: { text: 'hi' } } }), 'tenants[0].sites[1].mail.templates');
    rejects(withMail({ templates: { otpLogin: { body: 'hi' } } }), 'tenants[0].sites[1].mail.templates.otpLogin');
    for (const resetUrl of [
      '/account/reset',
      'javascript:alert(1)',
      'ftp://shop.example/r',
      'https://shop.example/r#x',
    ])
      rejects(withMail({ resetUrl }), 'tenants[0].sites[1].mail.resetUrl');
  });
});

describe('npm start with a bad mail template', () => {
  it('exits with status 2 naming the field, before opening anything', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-mail-config-'));
    try {
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(file, JSON.stringify(withMail({ templates: { passwordReset: { subject: '{% for %}' } } })));
      const dataDir = path.join(dir, 'data');
      const { code, stderr } = await run(['--import', 'tsx', 'src/main.ts'], {
        ...process.env,
        CONFIG_FILE: file,
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: '',
      });
      assert.equal(code, 2);
      assert.match(stderr, /tenants\[0\]\.sites\[1\]\.mail\.templates\.passwordReset\.subject/);
      assert.ok(!fs.existsSync(dataDir), 'no data folder was made');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
