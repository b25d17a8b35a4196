/**
 * Load from wrk (Debian; C, one thread) in a process of its own, cycling over the given URLs of
 * one origin. Returns what its Lua `done` hook prints: requests, socket errors, non-2xx answers,
 * requests and bytes per second, latency p50/p99 (ms).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface WrkResult {
  requests: number;
  errors: number;
  non2xx: number;
  rps: number;
  bytes_s: number;
  p50_ms: number;
  p99_ms: number;
}

const WRK = '/usr/bin/wrk';

export function wrk(urls: string[], opts: { connections: number; seconds: number; timeoutS?: number }): WrkResult {
  const origin = new URL(urls[0]!).origin;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wrk-'));
  const script = path.join(dir, 'cycle.lua');
  fs.writeFileSync(
    script,
    `local paths = {${urls.map((u) => JSON.stringify(new URL(u).pathname + new URL(u).search)).join(',')}}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(s, latency, r)
  local e = s.errors
  io.write(string.format('{"requests":%d,"errors":%d,"non2xx":%d,"rps":%f,"bytes_s":%f,"p50_ms":%.1f,"p99_ms":%.1f}\\n',
    s.requests, e.connect + e.read + e.write + e.timeout, e.status, s.requests / (s.duration / 1e6), s.bytes / (s.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
`,
  );
  try {
    const args = ['-t1', `-c${opts.connections}`, `-d${opts.seconds}s`, `--timeout`, `${opts.timeoutS ?? 30}s`, '-s', script, origin];
    const out = execFileSync(WRK, args, { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop()!) as WrkResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
