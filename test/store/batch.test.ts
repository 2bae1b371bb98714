import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batched } from '../../src/store/batch.ts';

describe('batched (group commit)', () => {
  it('sends calls made in one round of I/O to one run, answering each in order', async () => {
    const runs: number[][] = [];
    const double = batched(async (items: readonly number[]) => {
      runs.push([...items]);
      return items.map((i) => i * 2);
    });
    const answers = await Promise.all([1, 2, 3, 2].map((i) => double(i)));
    assert.deepEqual(answers, [2, 4, 6, 4]);
    assert.deepEqual(runs, [[1, 2, 3, 2]], 'one run, duplicates kept');
    await double(5);
    assert.equal(runs.length, 2, 'a later call is a new batch');
  });

  it('retries each item alone when the batch fails, so only the bad item fails', async () => {
    const runs: number[][] = [];
    const insert = batched(async (items: readonly number[]) => {
      runs.push([...items]);
      if (items.includes(13)) throw Object.assign(new Error('duplicate key'), { code: '23505' });
      return items.map(() => 'ok');
    });
    const results = await Promise.allSettled([1, 13, 2].map((i) => insert(i)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const failed = results[1] as PromiseRejectedResult;
    assert.equal(failed.reason.code, '23505', 'the item keeps its own error');
    assert.deepEqual(runs, [[1, 13, 2], [1], [13], [2]]);
  });

  it('rejects a lone call with its own error', async () => {
    const boom = batched(async () => {
      throw new Error('boom');
    });
    await assert.rejects(boom(1), /boom/);
  });
});
