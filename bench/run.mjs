#!/usr/bin/env node
// `npm run bench -- <name…>` runs bench/<name>*.bench.ts|mjs (all benchmarks without a name).
// TypeScript benchmarks are bundled with esbuild (dependencies external) and run in their own Node
// process, so timings and peak memory of one do not leak into another. Each benchmark measures our
// code side by side with the named alternative in the same run and prints the ratio.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const outDir = path.join(root, '.cache', 'bench', 'compiled');
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = fs
  .readdirSync(benchDir)
  .filter((f) => /\.bench\.(ts|mjs)$/.test(f))
  .filter((f) => names.length === 0 || names.some((n) => f.startsWith(n)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${names.join(', ')}; available: ${fs.readdirSync(benchDir).filter((f) => f.includes('.bench.')).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  let entry = path.join(benchDir, f);
  if (f.endsWith('.ts')) {
    const out = path.join(outDir, f.replace(/\.ts$/, '.mjs'));
    await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: out, logLevel: 'warning', banner: { js: `import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);` } });
    entry = out;
  }
  console.log(`\n=== ${f} ===`);
  // Reading benchmarks run as the `imjoy-share` CLI runs (huge pages for big allocations, see the
  // shebang of bin/imjoy-share.mjs); the Python side inherits the same environment. An explicit
  // GLIBC_TUNABLES (even empty) wins.
  const env = { ...process.env, IMJOY_SHARE_ROOT: root };
  if (f.startsWith('refs-read') && process.env.GLIBC_TUNABLES === undefined) env.GLIBC_TUNABLES = 'glibc.malloc.hugetlb=1';
  const r = spawnSync(process.execPath, ['--expose-gc', entry, ...process.argv.slice(2).filter((a) => a.startsWith('-'))], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    failed++;
    console.error(`${f} exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
