import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, hashSecret, loadConfig } from '../../src/config/load.ts';
import { builtInConfig, defaultLogin } from '../../src/config/defaults.ts';

/** CONTRACT §9's example CONFIG_FILE, verbatim. */
const CONTRACT_EXAMPLE = `{
  "tenants": [{
    "id": 1, "name": "Demo", "domain": "t1.localhost",
    "customerSets": [{ "code": "default", "name": "Default" }],
    "sites": [{
      "id": 1, "name": "Main", "customerSet": "default",
      "login": {
        "twoFactor": { "always": false, "onNewFingerprint": false, "onNewRegion": false },
        "otpLogin": { "enabled": false },
        "lockout": { "maxAttempts": 6, "lockMinutes": 30 },
        "password": { "minLength": 8 }
      }
    }],
    "tokens": { "accessMinutes": 60, "refreshMinutes": 43200, "maxAccessMinutes": 1440, "maxRefreshMinutes": 129600 }
  }],
  "apps": [
    { "clientId": "storefront", "clientSecret": "change-me", "tenantId": 1, "behaviors": [] },
    { "clientId": "admin", "clientSecret": "change-me-too", "tenantId": 1,
      "behaviors": ["customer:manage-accounts", "customer-auth:configure-token-durations", "customer-auth:impersonate-cart"] }
  ]
}`;

const example = () => JSON.parse(CONTRACT_EXAMPLE);

function rejects(env: Record<string, string>, fileText: string | undefined, field: string | RegExp): void {
  assert.throws(
    () => loadConfig(env, fileText),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      if (typeof field === 'string') assert.ok(err.message.includes(field), `"${err.message}" should name ${field}`);
      else assert.match(err.message, field);
      return true;
    },
  );
}

describe('loadConfig: the built-in default', () => {
  const c = loadConfig({});

  it('is tenant 1 with site 1 on customer set default, 2FA and OTP off', () => {
    assert.equal(c.tenants.length, 1);
    const t = c.tenants[0];
    assert.equal(t.id, 1);
    assert.deepEqual(
      t.customerSets.map((s) => s.code),
      ['default'],
    );
    assert.equal(t.sites.length, 1);
    assert.deepEqual(
      { id: t.sites[0].id, tenantId: t.sites[0].tenantId, customerSet: t.sites[0].customerSet },
      { id: 1, tenantId: 1, customerSet: 'default' },
    );
    assert.deepEqual(t.sites[0].login.twoFactor, { always: false, onNewFingerprint: false, onNewRegion: false });
    assert.equal(t.sites[0].login.otpLogin.enabled, false);
    assert.deepEqual(t.tokens, {
      accessMinutes: 60,
      refreshMinutes: 43200,
      maxAccessMinutes: 1440,
      maxRefreshMinutes: 129600,
      impersonationMinutes: 60,
    });
  });

  it('generates the storefront app (no configured apps) and uses the documented env defaults', () => {
    assert.deepEqual(c.bootstrap, { mode: 'generate', clientId: 'storefront' });
    assert.deepEqual(c.apps, []);
    assert.equal(c.port, 8080);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.dataDir, './data');
    assert.equal(c.mailOutboxDir, path.join('./data', 'outbox'));
    assert.equal(c.smtpUrl, undefined);
    assert.equal(c.redisUrl, undefined);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.jwtIssuer, 'storefront-auth');
    assert.deepEqual(c.argon2, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
    assert.deepEqual(c.hashing, { threads: Math.min(os.availableParallelism(), 8), nice: 10 });
  });

  it('is deeply frozen', () => {
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.tenants));
    assert.ok(Object.isFrozen(c.tenants[0].sites[0].login.lockout));
    assert.throws(() => {
      (c as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (c.tenants[0].sites[0].login.lockout as { maxAttempts: number }).maxAttempts = 99;
    }, TypeError);
  });

  it('does not freeze or share the module defaults between loads', () => {
    const a = loadConfig({});
    assert.ok(!Object.isFrozen(builtInConfig.tenants[0].customerSets), 'the defaults module stays unfrozen');
    assert.ok(!Object.isFrozen(defaultLogin.lockout));
    assert.notEqual(a.tenants[0].customerSets, builtInConfig.tenants[0].customerSets);
    const b = loadConfig({ DATA_DIR: '/elsewhere' });
    assert.equal(a.tenants[0].sites[0].login.lockout.maxAttempts, 6);
    assert.equal(b.dataDir, '/elsewhere');
    assert.equal(b.mailOutboxDir, path.join('/elsewhere', 'outbox'));
  });
});

describe('loadConfig: environment variables', () => {
  it('reads PORT, HOST, DATABASE_URL, LOG_LEVEL, SMTP_URL, REDIS_URL, MAIL_*, JWT_ISSUER', () => {
    const c = loadConfig({
      PORT: '3000',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://u:p@db:5432/auth',
      LOG_LEVEL: 'debug',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      REDIS_URL: 'redis://cache:6379',
      MAIL_FROM: 'shop <a@b.c>',
      MAIL_OUTBOX_DIR: '/tmp/box',
      JWT_ISSUER: 'https://auth.example',
    });
    assert.equal(c.port, 3000);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.databaseUrl, 'postgres://u:p@db:5432/auth');
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.smtpUrl, 'smtp://127.0.0.1:2525');
    assert.equal(c.redisUrl, 'redis://cache:6379');
    assert.equal(c.mailFrom, 'shop <a@b.c>');
    assert.equal(c.mailOutboxDir, '/tmp/box');
    assert.equal(c.jwtIssuer, 'https://auth.example');
    assert.equal(loadConfig({ DATABASE_URL: 'postgresql://db/auth' }).databaseUrl, 'postgresql://db/auth');
  });

  it('rejects a bad PORT', () => {
    rejects({ PORT: 'eighty' }, undefined, 'PORT');
    rejects({ PORT: '70000' }, undefined, 'PORT');
    rejects({ PORT: '-1' }, undefined, 'PORT');
    rejects({ PORT: '80.5' }, undefined, 'PORT');
  });

  it('accepts only postgres:// (or postgresql://) DATABASE_URLs', () => {
    rejects({ DATABASE_URL: 'mysql://db/auth' }, undefined, /DATABASE_URL.*postgres:\/\//);
    rejects({ DATABASE_URL: 'not a url' }, undefined, 'DATABASE_URL');
  });

  it('rejects other malformed URLs and unknown LOG_LEVELs', () => {
    rejects({ SMTP_URL: 'http://mail' }, undefined, 'SMTP_URL');
    rejects({ REDIS_URL: 'postgres://x' }, undefined, 'REDIS_URL');
    rejects({ LOG_LEVEL: 'verbose' }, undefined, 'LOG_LEVEL');
  });

  it('reads TRUST_PROXY: off by default, true, a hop count, or a list of addresses', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,::1' }).trustProxy, [
      'loopback',
      '10.0.0.0/8',
      '::1',
    ]);
    rejects({ TRUST_PROXY: 'yes please' }, undefined, 'TRUST_PROXY');
    rejects({ TRUST_PROXY: '99' }, undefined, 'TRUST_PROXY');
  });

  it('takes BOOTSTRAP_CLIENT_ID/SECRET together and stores only the hash', () => {
    const c = loadConfig({ BOOTSTRAP_CLIENT_ID: 'shop', BOOTSTRAP_CLIENT_SECRET: 's3cret' });
    assert.deepEqual(c.bootstrap, { mode: 'env', clientId: 'shop', secretHash: hashSecret('s3cret') });
    assert.ok(!JSON.stringify(c).includes('s3cret'));
    rejects({ BOOTSTRAP_CLIENT_ID: 'shop' }, undefined, /BOOTSTRAP_CLIENT_ID.*BOOTSTRAP_CLIENT_SECRET/);
    rejects({ BOOTSTRAP_CLIENT_SECRET: 's3cret' }, undefined, /BOOTSTRAP_CLIENT_ID.*BOOTSTRAP_CLIENT_SECRET/);
  });

  it('ignores BOOTSTRAP_* when a CONFIG_FILE is given (the file lists every app)', () => {
    const c = loadConfig({ BOOTSTRAP_CLIENT_ID: 'shop', BOOTSTRAP_CLIENT_SECRET: 's3cret' }, CONTRACT_EXAMPLE);
    assert.equal(c.bootstrap, undefined);
    assert.deepEqual(
      c.apps.map((a) => a.clientId),
      ['storefront', 'admin'],
    );
  });
});

describe('loadConfig: CONFIG_FILE', () => {
  it('accepts the CONTRACT §9 example exactly as written', () => {
    const c = loadConfig({}, CONTRACT_EXAMPLE);
    assert.equal(c.bootstrap, undefined);
    assert.equal(c.tenants[0].domain, 't1.localhost');
    assert.equal(c.tenants[0].sites[0].login.lockout.maxAttempts, 6);
    // Fields the file leaves out come from the defaults.
    assert.equal(c.tenants[0].sites[0].login.password.requireDigit, true);
    const admin = c.apps.find((a) => a.clientId === 'admin');
    assert.ok(admin);
    assert.equal(admin.secretHash, hashSecret('change-me-too'));
    assert.deepEqual([...admin.behaviors].sort(), [
      'customer-auth:configure-token-durations',
      'customer-auth:impersonate-cart',
      'customer:manage-accounts',
    ]);
    assert.ok(!JSON.stringify(c).includes('change-me'), 'plain secrets are not kept');
    assert.ok(Object.isFrozen(c.apps[1].behaviors));
    assert.ok(Object.isFrozen(c.tenants[0].customerSets[0]));
  });

  it('fills in optional sections (login, tokens, domain) from the defaults', () => {
    const f = example();
    delete f.tenants[0].sites[0].login;
    delete f.tenants[0].tokens;
    delete f.tenants[0].domain;
    f.tenants[0].sites.push({
      id: 2,
      name: 'Two',
      customerSet: 'default',
      login: { twoFactor: { always: true, onNewFingerprint: false, onNewRegion: false } },
    });
    const c = loadConfig({}, JSON.stringify(f));
    assert.equal(c.tenants[0].domain, 't1.localhost');
    assert.equal(c.tenants[0].tokens.accessMinutes, 60);
    assert.equal(c.tenants[0].sites[0].login.lockout.lockMinutes, 30);
    assert.equal(c.tenants[0].sites[1].login.twoFactor.always, true);
    assert.equal(c.tenants[0].sites[1].login.password.minLength, 8);
  });

  it('takes TLS_CERT_FILE and TLS_KEY_FILE together or not at all', () => {
    assert.equal(loadConfig({}).tls, undefined);
    assert.deepEqual(loadConfig({ TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' }).tls, {
      certFile: 'c.pem',
      keyFile: 'k.pem',
    });
    rejects({ TLS_CERT_FILE: 'c.pem' }, undefined, 'TLS_CERT_FILE');
    rejects({ TLS_KEY_FILE: 'k.pem' }, undefined, 'TLS_CERT_FILE');
  });

  it('completes a partly given login section field by field from the defaults', () => {
    const f = example();
    f.tenants[0].sites[0].login = { lockout: { maxAttempts: 3 }, twoFactor: { always: true } };
    const c = loadConfig({}, JSON.stringify(f));
    const login = c.tenants[0].sites[0].login;
    assert.deepEqual(login.lockout, { maxAttempts: 3, lockMinutes: 30 });
    assert.deepEqual(login.twoFactor, { always: true, onNewFingerprint: false, onNewRegion: false });
    assert.equal(login.otpLogin.enabled, false);
    assert.equal(login.password.minLength, 8);
    f.tenants[0].sites[0].login = { lockout: { maxAtempts: 3 } };
    rejects({}, JSON.stringify(f), 'tenants[0].sites[0].login.lockout');
  });

  it('takes passwords.hashThreads (1 to 64) and passwords.hashNice (0 to 19) from the file', () => {
    const f = example();
    f.passwords = { hashThreads: 3, hashNice: 0 };
    assert.deepEqual(loadConfig({}, JSON.stringify(f)).hashing, { threads: 3, nice: 0 });
    for (const bad of [0, 65, 1.5]) {
      f.passwords = { hashThreads: bad };
      rejects({}, JSON.stringify(f), 'passwords.hashThreads');
    }
    for (const bad of [-1, 20]) {
      f.passwords = { hashNice: bad };
      rejects({}, JSON.stringify(f), 'passwords.hashNice');
    }
  });

  it('stops on text that is not JSON', () => {
    rejects({}, '{ "tenants": [ ', /CONFIG_FILE.*not valid JSON/);
    rejects({}, '', /CONFIG_FILE/);
  });

  it('names a wrong type deep inside', () => {
    const f = example();
    f.tenants[0].sites[0].login.lockout.maxAttempts = 'six';
    rejects({}, JSON.stringify(f), 'tenants[0].sites[0].login.lockout.maxAttempts');
  });

  it('names out-of-range numbers, missing fields and unknown fields', () => {
    const range = example();
    range.tenants[0].tokens.accessMinutes = 0;
    rejects({}, JSON.stringify(range), 'tenants[0].tokens.accessMinutes');
    const missing = example();
    delete missing.apps[1].clientSecret;
    rejects({}, JSON.stringify(missing), 'apps[1].clientSecret');
    const extra = example();
    extra.tenants[0].sites[0].colour = 'blue';
    rejects({}, JSON.stringify(extra), 'tenants[0].sites[0].colour');
    rejects({}, '[]', '(root)');
  });

  it('rejects a site on an unknown customer set', () => {
    const f = example();
    f.tenants[0].sites[0].customerSet = 'nope';
    rejects({}, JSON.stringify(f), /tenants\[0\]\.sites\[0\]\.customerSet.*nope/);
  });

  it('rejects duplicate ids: tenants, sites, customer sets and client ids', () => {
    const tenants = example();
    tenants.tenants.push(structuredClone(tenants.tenants[0]));
    rejects({}, JSON.stringify(tenants), 'tenants[1].id');
    const sites = example();
    sites.tenants[0].sites.push({ id: 1, name: 'Again', customerSet: 'default' });
    rejects({}, JSON.stringify(sites), 'tenants[0].sites[1].id');
    const sets = example();
    sets.tenants[0].customerSets.push({ code: 'default', name: 'Again' });
    rejects({}, JSON.stringify(sets), 'tenants[0].customerSets');
    const apps = example();
    apps.apps[1].clientId = 'storefront';
    rejects({}, JSON.stringify(apps), 'apps[1].clientId');
  });

  it('rejects an app on an unknown tenant', () => {
    const f = example();
    f.apps[0].tenantId = 7;
    rejects({}, JSON.stringify(f), /apps\[0\]\.tenantId.*7/);
  });

  it('rejects an unknown behavior, naming it', () => {
    const f = example();
    f.apps[1].behaviors.push('customer:everything');
    rejects(
      {},
      JSON.stringify(f),
      /apps\[1\]\.behaviors\[3\].*"customer:everything" is not one of .*"customer:manage-accounts"/,
    );
  });

  it('rejects default lifetimes above their caps', () => {
    const f = example();
    f.tenants[0].tokens.accessMinutes = 2000;
    rejects({}, JSON.stringify(f), 'tenants[0].tokens.accessMinutes');
  });
});

describe('npm start with a bad CONFIG_FILE', () => {
  it('exits non-zero, printing the bad field, and starts nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-config-'));
    try {
      const f = example();
      f.tenants[0].sites[0].login.lockout.maxAttempts = 'six';
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(file, JSON.stringify(f));
      const dataDir = path.join(dir, 'data');
      const { code, stderr } = await run(['--import', 'tsx', 'src/main.ts'], {
        ...process.env,
        CONFIG_FILE: file,
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: '',
      });
      assert.notEqual(code, 0);
      assert.match(stderr, /tenants\[0\]\.sites\[0\]\.login\.lockout\.maxAttempts/);
      assert.ok(!fs.existsSync(dataDir), 'nothing is half-applied: no data folder was made');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits non-zero naming CONFIG_FILE when the file cannot be read', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-config-'));
    try {
      const { code, stderr } = await run(['--import', 'tsx', 'src/main.ts'], {
        ...process.env,
        CONFIG_FILE: path.join(dir, 'missing.json'),
        DATA_DIR: path.join(dir, 'data'),
        PORT: '0',
        DATABASE_URL: '',
      });
      assert.notEqual(code, 0);
      assert.match(stderr, /CONFIG_FILE/);
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
