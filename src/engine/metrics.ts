/**
 * `/health` and Prometheus `/metrics` for `imjoy-share serve`: requests and their latency per
 * route (the first path segment, from a fixed list so labels stay few), plus whatever gauges
 * and counters the services add (queue depth, cache hits) through `registry`.
 */
import type http from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Handler } from '../http/static-server.js';

const ROUTES = new Set(['zarr', 'zarr-decoded', 'raw', 'refs', 'models', 'resources', 'ipfs', 'demo', 'host', 'dist', 'slides', 'slides-runtime', 'health', 'metrics']);

export interface Metrics {
  registry: Registry;
  /** Call at the start of every request (the static server's onRequest). */
  observe(req: http.IncomingMessage, res: http.ServerResponse): void;
  handler: Handler;
  /** A value read at scrape time (counters kept elsewhere, sizes, queue depths). */
  gauge(name: string, help: string, read: () => number): void;
}

/**
 * @param log one JSON line per request (`{"t", "method", "path", "status", "ms", "bytes"}`) for log
 * collectors, when given (`serve --log-format json`)
 */
export function createMetrics(log?: (line: string) => void): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'imjoy_share_' });
  const requests = new Counter({ name: 'imjoy_share_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'imjoy_share_http_request_duration_seconds',
    help: 'HTTP request duration by route (until the response is sent)',
    labelNames: ['route'],
    buckets: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10],
    registers: [registry],
  });
  const started = Date.now();
  // label children made once: prom-client hashes the label object on every inc/observe otherwise
  const timers = new Map<string, Histogram.Internal<'route'>>();
  const counts = new Map<string, Counter.Internal>();
  const timerOf = (route: string) => timers.get(route) ?? (timers.set(route, latency.labels(route)), timers.get(route)!);
  const countOf = (route: string, status: number) => {
    const k = `${route} ${status}`;
    return counts.get(k) ?? (counts.set(k, requests.labels(route, String(status))), counts.get(k)!);
  };
  return {
    registry,
    gauge(name, help, read) {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    },
    observe(req, res) {
      const seg = (req.url ?? '/').split(/[/?#]/)[1] ?? '';
      const route = seg === '' ? 'root' : ROUTES.has(seg) ? seg : 'other';
      const t0 = performance.now();
      res.once('finish', () => {
        const s = (performance.now() - t0) / 1000;
        timerOf(route).observe(s);
        countOf(route, res.statusCode).inc();
        if (log) {
          const path = (req.url ?? '/').split('?')[0]; // a query may hold a pre-signed URL's secrets
          const bytes = Number(res.getHeader('content-length') ?? 0);
          log(JSON.stringify({ t: new Date().toISOString(), method: req.method, path, status: res.statusCode, ms: Math.round(s * 1e4) / 10, bytes }));
        }
      });
    },
    handler: async (req, res, url) => {
      if (url.pathname === '/health') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify({ status: 'ok', uptime_s: Math.round((Date.now() - started) / 1000) }));
        return true;
      }
      if (url.pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(await registry.metrics());
        return true;
      }
      return false;
    },
  };
}
