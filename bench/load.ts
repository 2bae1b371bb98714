import autocannon from 'autocannon';

/** What one autocannon run measured. Latencies in ms, as autocannon reports them. */
export interface LoadResult {
  readonly requestsPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  readonly non2xx: number;
  /** Socket errors and timeouts. */
  readonly errors: number;
  readonly durationSec: number;
  /** A few distinct non-2xx status codes seen, with counts. */
  readonly statusCodes: Record<string, number>;
}

export interface LoadOptions {
  /** Origin, e.g. http://127.0.0.1:1234 */
  url: string;
  path: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration?: number;
  /** Exact number of requests (split evenly across connections). */
  amount?: number;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** Per-request mutation, e.g. to take the next single-use token from a pool. */
  setupRequest?: (req: autocannon.Request) => autocannon.Request;
  /** Sees every response (used to collect tokens while minting). */
  onResponse?: (status: number, body: string) => void;
}

/** Runs autocannon in this process against a server in another process. */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  const request: autocannon.Request = {
    method: opts.method ?? 'GET',
    path: opts.path,
    headers: opts.headers,
    body: opts.body,
  };
  if (opts.setupRequest) request.setupRequest = opts.setupRequest;
  if (opts.onResponse) {
    const onResponse = opts.onResponse;
    request.onResponse = (status: number, body: string) => onResponse(status, body);
  }
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    pipelining: 1,
    timeout: 30,
    // With `amount`, autocannon notices the end only at its next sample tick (every `sampleInt` ms,
    // 1 s by default), so its duration rounds up to whole seconds: a 1.3 s run read as 2.01 s.
    // Sampling every 10 ms keeps the measured time within 10 ms of the last answer.
    ...(opts.amount !== undefined ? { amount: opts.amount, sampleInt: 10 } : { duration: opts.duration ?? 5 }),
    requests: [request],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, n] of Object.entries(result.statusCodeStats ?? {})) {
    if (!code.startsWith('2')) statusCodes[code] = (n as { count: number }).count;
  }
  return {
    requestsPerSec: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationSec: result.duration,
    statusCodes,
  };
}
