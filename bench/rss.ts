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
