import fs from 'node:fs';

/** Resident set of `pid` and its child processes (a cluster's workers), in bytes; 0 when gone. */
function rssTree(pid: number): number {
  let total = 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    total += m ? Number(m[1]) * 1024 : 0;
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(/\s+/) : []) total += rssTree(Number(k));
    }
  } catch {
    /* the process ended, or this is not Linux */
  }
  return total;
}

/** Samples the RSS of `pid`'s process tree every 100 ms until `stop()`, which answers the peak in MB. */
export function sampleRss(pid: number): { stop(): number } {
  let peak = rssTree(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssTree(pid))), 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, rssTree(pid)) / 2 ** 20);
    },
  };
}

const TICK_MS = 10; // USER_HZ is 100 on Linux: /proc's CPU times are in hundredths of a second

/** CPU time (user + system, all threads) of one process, in ms; 0 when it is gone. */
function cpuOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

function treeOf(pid: number): number[] {
  const out = [pid];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(/\s+/) : []) out.push(...treeOf(Number(k)));
    }
  } catch {
    /* gone */
  }
  return out;
}

/**
 * CPU time spent by a set of processes between `start` and `stop()`: the process tree of `pid` and
 * whatever processes `more()` names at either end (the PostgreSQL backends serving a database). A
 * process that appears meanwhile counts from zero. On a machine shared with other work, CPU per
 * request still measures the work itself, where requests per second measure the share it got.
 */
export async function cpuMeter(
  pid: number,
  more: () => Promise<number[]> = async () => [],
): Promise<{ stop(): Promise<{ processMs: number; moreMs: number }> }> {
  const snap = async () => {
    const tree = new Map(treeOf(pid).map((p) => [p, cpuOf(p)]));
    const others = new Map((await more()).map((p) => [p, cpuOf(p)]));
    return { tree, others };
  };
  const sum = (a: Map<number, number>, b: Map<number, number>) => {
    let ms = 0;
    for (const [p, v] of b) ms += v - (a.get(p) ?? 0);
    return ms;
  };
  const start = await snap();
  return {
    async stop() {
      const end = await snap();
      return { processMs: sum(start.tree, end.tree), moreMs: sum(start.others, end.others) };
    },
  };
}
