import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { coresAvailable, defaultHashThreads, processCores } from '../../src/config/defaults.ts';

const PG = { DATABASE_URL: 'postgres://u:p@db:5432/auth' };

function rejectsWorkers(env: Record<string, string>, message: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => err instanceof ConfigError && /WORKERS/.test(err.message) && message.test(err.message),
  );
}

describe('WORKERS', () => {
  it('is 1 by default, on either database', () => {
    assert.equal(loadConfig({}).workers, 1);
    assert.equal(loadConfig(PG).workers, 1);
    assert.equal(loadConfig({ ...PG, WORKERS: '' }).workers, 1);
  });

  it('takes a count on PostgreSQL', () => {
    assert.equal(loadConfig({ ...PG, WORKERS: '2' }).workers, 2);
    assert.equal(loadConfig({ ...PG, WORKERS: '16' }).workers, 16);
  });

  it('auto: the cores the process may use on PostgreSQL, 1 on the embedded database', () => {
    assert.equal(loadConfig({ ...PG, WORKERS: 'auto' }).workers, processCores());
    assert.ok(processCores() >= 1 && processCores() <= os.availableParallelism());
    assert.equal(loadConfig({ WORKERS: 'auto' }).workers, 1);
  });

  it('refuses more than one worker on the embedded database, saying why', () => {
    rejectsWorkers({ WORKERS: '2' }, /need PostgreSQL \(DATABASE_URL\)/);
    assert.equal(loadConfig({ WORKERS: '1' }).workers, 1);
  });

  it('refuses what is not a count from 1 to 256 or auto', () => {
    for (const bad of ['0', '-1', '1.5', 'two', '257', 'AUTO'])
      rejectsWorkers({ ...PG, WORKERS: bad }, /integer from 1 to 256, or auto/);
  });

  it('shares the default hashing threads among the workers; an explicit hashThreads stays per worker', () => {
    const per = (w: number) => loadConfig({ ...PG, WORKERS: String(w) }).hashing.threads;
    assert.equal(per(1), defaultHashThreads());
    assert.equal(per(2), Math.max(1, Math.floor(defaultHashThreads() / 2)));
    assert.equal(per(64), 1);
  });
});

describe('coresAvailable', () => {
  it('is the affinity when there is no quota', () => {
    assert.equal(coresAvailable(8, undefined), 8);
    assert.equal(coresAvailable(8, 'max 100000\n'), 8);
    assert.equal(coresAvailable(8, ''), 8);
  });

  it('lowers it to a cgroup CPU quota, rounding a part core up', () => {
    assert.equal(coresAvailable(16, '200000 100000\n'), 2);
    assert.equal(coresAvailable(16, '150000 100000'), 2);
    assert.equal(coresAvailable(16, '50000 100000'), 1);
    assert.equal(coresAvailable(2, '800000 100000'), 2);
  });

  it('ignores a quota it cannot read', () => {
    assert.equal(coresAvailable(4, 'garbage'), 4);
    assert.equal(coresAvailable(4, '0 100000'), 4);
  });
});
