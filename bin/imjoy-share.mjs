#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=134217728:glibc.malloc.top_pad=16777216 node
// The tunables cut page faults, which cost a VM dearly: hugetlb lets glibc back large allocations
// (image regions, chunk buffers) with transparent huge pages, as numpy does for its arrays (a
// fresh 33 MB region's first-touch faults cost ~100 ms, more than decoding it:
// bench/refs-read.bench.ts); trim_threshold and top_pad keep up to 128 MB of freed heap instead of
// handing it back to be faulted in again by the next compile or block (potree convert on 20 M
// points: 9,000 → 5,400 faults on one thread, 16,500 → 9,600 on two, 4 % less time, +10 MB RSS).
// Harmless elsewhere.
// The CLI is TypeScript bundled by build.mjs into dist/cli.mjs. The published package ships it
// (npm pack builds it); a source checkout that was never built builds it here, once.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  if (!existsSync(`${root}build.mjs`) || !existsSync(`${root}node_modules/esbuild`)) {
    process.stderr.write(`imjoy-share: ${fileURLToPath(cli)} is missing and cannot be built here (run \`npm ci && npm run build\` in a source checkout)\n`);
    process.exit(2);
  }
  execFileSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
const { main } = await import(cli.href);
await main(process.argv);
