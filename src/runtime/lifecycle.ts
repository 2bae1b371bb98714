/**
 * Runs the pruning pass on an interval with ±20 % jitter (so instances started together drift
 * apart), one pass at a time; `close()` stops it and waits for a pass under way.
 */
export function startLifecycle(opts: {
  intervalMs: number;
  run: () => Promise<unknown>;
  onError: (err: unknown) => void;
}): { close(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  const schedule = () => {
    if (closed) return;
    const delay = opts.intervalMs * (0.8 + Math.random() * 0.4);
    timer = setTimeout(() => {
      running = opts
        .run()
        .then(
          () => undefined,
          (err: unknown) => opts.onError(err),
        )
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, delay);
    timer.unref();
  };
  schedule();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
