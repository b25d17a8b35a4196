/**
 * `/health` and Prometheus `/metrics` for `imjoy-share serve`: requests and their latency per
 * route (the first path segment, from a fixed list so labels stay few), plus whatever gauges
 * and counters the services add (queue depth, cache hits) through `registry`.
 */
import type http from 'node:http';
import { collectDefaultMetrics, Gauge, type MetricValueWithName, Registry } from 'prom-client';
import type { Handler } from '../http/static-server.js';

const ROUTES = new Set(['zarr', 'zarr-decoded', 'raw', 'refs', 'models', 'resources', 'ipfs', 'demo', 'host', 'dist', 'slides', 'slides-runtime', 'health', 'metrics']);

const LATENCY = 'imjoy_share_http_request_duration_seconds';
/** Upper bounds of the latency buckets, seconds. */
const BUCKETS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];

/** One route's requests: how many fell in each latency bucket (not cumulative), and by status. */
interface Tally {
  buckets: Float64Array;
  sum: number;
  count: number;
  status: Map<number, number>;
}

/** A metric whose values are read when scraped, for the registry to format. */
function readOut(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValueWithName<string>[]) {
  // the registry asks only for name, help, type and values (Registry.getMetricsAsString)
  const get = () => ({ name, help, type, values: values(), aggregator: 'sum' });
  return { name, help, type, get, reset() {} } as unknown as Parameters<Registry['registerMetric']>[0];
}

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
  // requests and latencies are tallied in plain arrays and read out at scrape time: prom-client's
  // own observe() and inc() took ~3.5 µs a request in a profile of the /zarr/ load, more than
  // the engine's handler itself; this is a few array increments
  const tallies = new Map<string, Tally>();
  const tallyOf = (route: string) => tallies.get(route) ?? (tallies.set(route, { buckets: new Float64Array(BUCKETS.length), sum: 0, count: 0, status: new Map() }), tallies.get(route)!);
  const started = Date.now();
  registry.registerMetric(readOut('imjoy_share_http_requests_total', 'HTTP requests by route and status', 'counter', () =>
    [...tallies].flatMap(([route, t]) => [...t.status].map(([status, value]) => ({ labels: { route, status }, value }))),
  ));
  registry.registerMetric(readOut(LATENCY, 'HTTP request duration by route (until the response is sent)', 'histogram', () =>
    [...tallies].flatMap(([route, t]) => {
      let below = 0;
      return [
        ...BUCKETS.map((le, i) => ({ metricName: `${LATENCY}_bucket`, labels: { le, route }, value: (below += t.buckets[i]!) })),
        { metricName: `${LATENCY}_bucket`, labels: { le: '+Inf', route }, value: t.count },
        { metricName: `${LATENCY}_sum`, labels: { route }, value: t.sum },
        { metricName: `${LATENCY}_count`, labels: { route }, value: t.count },
      ];
    }),
  ));
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
      const u = req.url ?? '/';
      let end = 1;
      while (end < u.length && u[end] !== '/' && u[end] !== '?' && u[end] !== '#') end++;
      const seg = u.slice(1, end);
      const route = seg === '' ? 'root' : ROUTES.has(seg) ? seg : 'other';
      const t0 = performance.now();
      res.once('finish', () => {
        const s = (performance.now() - t0) / 1000;
        const t = tallyOf(route);
        let i = 0;
        while (i < BUCKETS.length && s > BUCKETS[i]!) i++;
        if (i < BUCKETS.length) t.buckets[i]!++;
        t.sum += s;
        t.count++;
        t.status.set(res.statusCode, (t.status.get(res.statusCode) ?? 0) + 1);
        if (log) {
          const path = u.split('?')[0]; // a query may hold a pre-signed URL's secrets
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
