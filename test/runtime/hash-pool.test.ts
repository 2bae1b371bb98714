import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Algorithm, verify as verifyOnLibuv } from '@node-rs/argon2';
import { createHashPool } from '../../src/runtime/hash-pool.ts';
import { HashThreadStopped } from '../../src/domain/passwords/hasher.ts';

const cheap = { algorithm: Algorithm.Argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe('the password-hashing threads', () => {
  const pool = createHashPool(2);
  after(() => pool.close());

  it('hashes argon2id with the options given, and verifies right and wrong passwords', async () => {
    const stored = await pool.hash('Correct-horse-1', cheap);
    assert.match(stored, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    assert.equal(await verifyOnLibuv(stored, 'Correct-horse-1'), true, 'a hash any argon2 library accepts');
    assert.equal(await pool.verify(stored, 'Correct-horse-1'), true);
    assert.equal(await pool.verify(stored, 'correct-horse-1'), false);
  });

  it('spreads concurrent work over its threads, never more than its size, answering each job its own result', async () => {
    const stored = await pool.hash('pw-1', cheap);
    const guesses = ['pw-1', 'pw-2', 'pw-1', 'pw-3', 'pw-1', 'pw-4', 'pw-1', 'pw-5'];
    const results = await Promise.all(guesses.map((g) => pool.verify(stored, g)));
    assert.deepEqual(
      results,
      guesses.map((g) => g === 'pw-1'),
    );
    assert.equal(pool.started, 2);
  });

  it('rejects a malformed stored hash and keeps working', async () => {
    await assert.rejects(pool.verify('$argon2id$not-a-hash', 'x'));
    const stored = await pool.hash('still-fine', cheap);
    assert.equal(await pool.verify(stored, 'still-fine'), true);
  });

  it('fails work owed by a thread that stops, and starts a new thread for the next job', async () => {
    const own = createHashPool(1);
    try {
      const stored = await own.hash('pw', cheap);
      assert.equal(own.started, 1);
      const slow = own.verify(await own.hash('pw', { ...cheap, memoryCost: 65536, timeCost: 3 }), 'pw');
      await own.close();
      await assert.rejects(slow, HashThreadStopped);
      assert.equal(await own.verify(stored, 'pw'), true);
      assert.equal(own.started, 2);
    } finally {
      await own.close();
    }
  });
});

/** Nice values of this process's threads (/proc/self/task/<tid>/stat, field 19; the service runs on Linux). */
function threadNices(): number[] {
  return fs.readdirSync('/proc/self/task').map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('hashing threads that yield to the event loop', () => {
  it('run at the nice value given, every one of them, and leave the other threads alone', async () => {
    const before = threadNices().filter((n) => n === 7).length;
    const pool = createHashPool(2, { nice: 7 });
    try {
      const stored = await pool.hash('pw', cheap);
      await Promise.all([pool.verify(stored, 'pw'), pool.verify(stored, 'pw')]);
      assert.equal(pool.started, 2);
      assert.equal(threadNices().filter((n) => n === 7).length - before, 2);
      assert.ok(
        threadNices().some((n) => n === 0),
        'the event loop keeps its priority',
      );
    } finally {
      await pool.close();
    }
  });
});
