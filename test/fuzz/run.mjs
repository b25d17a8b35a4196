#!/usr/bin/env node
// `npm run fuzz [-- --mutants N --format a,b --seed S --workers W --save DIR]`: bundles the fuzzer
// (TypeScript) with esbuild and runs it; prints the table and every crash, hang and kill.
import * as esbuild from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, '.cache', 'fuzz', 'fuzz.mjs');
await esbuild.build({
  entryPoints: [path.join(root, 'test/fuzz/fuzz.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile: out,
  logLevel: 'warning',
  loader: { '.md': 'text', '.html': 'text' },
  // the bundle lives in .cache/fuzz; seeds.py and worker.ts are found from the sources
  define: { 'import.meta.url': JSON.stringify(`file://${path.join(root, 'test/fuzz/fuzz.ts')}`) },
});
const { runFuzz, formatTable } = await import(out);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const mutants = Number(arg('mutants', 20000));
const { rows, findings } = await runFuzz({
  root,
  mutants,
  seed: Number(arg('seed', 1)),
  formats: arg('format', '').split(',').filter(Boolean),
  workers: Number(arg('workers', 2)),
  save: arg('save', undefined),
  log: (l) => console.error(l),
});
console.log(formatTable(rows));
const bad = findings.filter((f) => f.outcome !== 'unnamed');
for (const f of bad) console.log(`${f.outcome.toUpperCase()} ${f.format} seed=${f.seed} (${f.seedFile}, ${f.how}): ${f.detail}`);
// errors that do not name the file are not failures, but worth a look: the first of each kind
const seen = new Set();
for (const f of findings.filter((x) => x.outcome === 'unnamed')) {
  const kind = f.detail.replace(/\d+/g, 'N').slice(0, 60);
  if (seen.has(kind) || seen.size >= 10) continue;
  seen.add(kind);
  console.log(`unnamed ${f.format} seed=${f.seed}: ${f.detail}`);
}
process.exit(bad.length ? 1 : 0);
