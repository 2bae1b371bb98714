import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Prometheus metrics of HTTP: requests and latency per route, in the service's registry (which
 * also holds the process and security metrics, src/runtime/metrics.ts).
 */
export function registerMetrics(app: FastifyInstance, registry: Registry): Registry {
  // Two apps over one set of services (tests do this) count into the same series.
  const known = registry.getSingleMetric('http_requests_total') as Counter | undefined;
  const requests =
    known ??
    new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    });
  const latency =
    (registry.getSingleMetric('http_request_duration_seconds') as Histogram | undefined) ??
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  // Callback style, as the other per-request hooks: no promise per request for synchronous work.
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  return registry;
}
