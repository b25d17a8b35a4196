/**
 * Operations of `imjoy-share serve`: /health, Prometheus /metrics, structured access logs
 * (`--log-format json`: one JSON line per request on stderr, query strings left out), and CORS
 * for pages of other origins, including the preflight of a POST to a model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testData } from '../helpers/fixtures.js';
import { serveData, type Served } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';

const IMAGE = 'bigendian-bigtiff-u16.ome.tif';
let served: Served;
beforeAll(async () => {
  const dir = tmpDir('ops-');
  fs.symlinkSync(path.join(testData(), 'tiff', IMAGE), path.join(dir, IMAGE));
  served = await serveData(dir, ['--log-format', 'json']);
});
afterAll(async () => {
  await served?.stop();
});

describe('operations', () => {
  it('answers /health and counts requests per route and status in /metrics', async () => {
    const h = await fetch(`${served.url}/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok', uptime_s: expect.any(Number) });
    await fetch(`${served.url}/zarr/${IMAGE}/0/.zarray`);
    await fetch(`${served.url}/zarr/${IMAGE}/0/77.77`);
    const m = await (await fetch(`${served.url}/metrics`)).text();
    expect(m).toMatch(/^imjoy_share_http_requests_total\{route="zarr",status="200"\} [1-9]/m);
    expect(m).toMatch(/^imjoy_share_http_requests_total\{route="zarr",status="404"\} 1$/m);
    expect(m).toMatch(/^imjoy_share_http_request_duration_seconds_bucket\{le="0\.01",route="zarr"\} \d+/m);
  });

  it('logs one JSON line per request, without query strings', async () => {
    await fetch(`${served.url}/zarr/${IMAGE}/.zattrs?X-Amz-Signature=secret`);
    // the line is written when the response finished: ask once more to be sure it was flushed
    await fetch(`${served.url}/health`);
    const lines = served
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const hit = lines.find((l) => l.path === `/zarr/${IMAGE}/.zattrs`);
    expect(hit).toMatchObject({ method: 'GET', status: 200, ms: expect.any(Number), bytes: expect.any(Number), t: expect.stringMatching(/^\d{4}-/) });
    expect(served.stderr()).not.toContain('secret');
    // the serve's own messages are JSON too
    expect(lines.some((l) => typeof l.msg === 'string')).toBe(true);
    expect(served.stderr().split('\n').filter((l) => l.trim() && !l.startsWith('{'))).toEqual([]);
  });

  it('lets pages of other origins read chunks and POST to models', async () => {
    const pre = await fetch(`${served.url}/models/x/predict`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://example.org', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    const r = await fetch(`${served.url}/zarr/${IMAGE}/0/0.0`, { headers: { Origin: 'https://example.org', Range: 'bytes=0-9' } });
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-expose-headers')).toContain('Content-Range');
  });
});
