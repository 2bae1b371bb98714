import cluster, { type Worker } from 'node:cluster';

/**
 * WORKERS > 1 (PostgreSQL only): this process forks `n` copies of the service, which share the port
 * through node:cluster and nothing else but the database and Redis; it serves nothing itself.
 * A worker that fails before it listens ends the whole service with its exit code (a bad database
 * URL, say, fails every worker alike); one that dies later is replaced. SIGTERM and SIGINT reach every
 * worker, each closes as a single process does, and this process exits when they all have.
 */
export function runWorkers(n: number): void {
  let stopping = false;
  const say = (msg: string) => process.stderr.write(`storefront-auth: ${msg}\n`);
  const fork = () => {
    const w = cluster.fork();
    let listening = false;
    w.once('listening', () => (listening = true));
    w.once('exit', (code, signal) => {
      if (stopping) return;
      if (!listening) {
        say(`a worker failed to start (${signal ?? `exit ${code}`}); stopping`);
        stop(code ?? 1);
        return;
      }
      say(`worker ${w.process.pid} ended (${signal ?? `exit ${code}`}); starting another`);
      fork();
    });
  };
  const stop = (code: number) => {
    stopping = true;
    const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    if (live.length === 0) process.exit(code);
    let left = live.length;
    for (const w of live) {
      w.once('exit', () => {
        if (--left === 0) process.exit(code);
      });
      w.process.kill('SIGTERM');
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stopping || stop(0));
  for (let i = 0; i < n; i++) fork();
}
