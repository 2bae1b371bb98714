import type { Options } from '@node-rs/argon2';
import { HashThreadStopped, type HashPool } from '../domain/passwords/hasher.ts';
import { startJobThread, type JobThread } from './job-thread.ts';

/** argon2id on threads of the service's own (see createHashPool). */
export interface HashThreads extends HashPool {
  /** Threads started so far (they start on first use). */
  readonly started: number;
}

type Job = { op: 'hash'; password: string; options: Options } | { op: 'verify'; password: string; stored: string };

/**
 * A fixed number of threads that do nothing but argon2id, each taking its jobs one after another.
 * Sized to the cores, they hash faster than libuv's pool does (four threads by default, which on a
 * two-core machine fight over the caches; docs/performance.md), and they keep libuv's pool free for
 * DNS and file work that would otherwise queue behind every login.
 * A job goes to an idle thread, else to the one that owes the fewest; a thread holds the process
 * open only while it owes work. A thread that dies fails what it owed and is replaced on the next job.
 * With `nice` (Linux) the threads yield to the event loop, so that a flood of logins does not slow
 * every other route down (docs/performance.md).
 */
export function createHashPool(size: number, opts: { nice?: number } = {}): HashThreads {
  const lanes: (JobThread | undefined)[] = Array.from({ length: size }, () => undefined);
  let started = 0;

  function startLane(i: number): JobThread {
    const lane = startJobThread(new URL('./hash-thread.mjs', import.meta.url), {
      workerData: { nice: opts.nice ?? 0 },
      stopped: (why) => new HashThreadStopped(`a password-hashing thread ${why}`),
      onStopped: () => {
        if (lanes[i] === lane) lanes[i] = undefined;
      },
    });
    started += 1;
    lanes[i] = lane;
    return lane;
  }

  /** An idle thread, else a new one while there is room, else the one that owes the fewest. */
  function laneFor(): JobThread {
    let best: JobThread | undefined;
    let free = -1;
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i];
      if (!lane) {
        if (free < 0) free = i;
      } else if (!best || lane.owed < best.owed) {
        best = lane;
      }
    }
    if (best && best.owed === 0) return best;
    return free >= 0 ? startLane(free) : best!;
  }

  const run = <T>(job: Job): Promise<T> => laneFor().run<T>(job);

  return {
    hash: (password, options) => run<string>({ op: 'hash', password, options }),
    verify: (stored, password) => run<boolean>({ op: 'verify', password, stored }),
    get started() {
      return started;
    },
    async close() {
      const running = lanes.filter((l): l is JobThread => l !== undefined);
      lanes.fill(undefined);
      await Promise.all(running.map((l) => l.terminate()));
    },
  };
}
