/**
 * `npm run bench -- smlm`: parse a generated 10-million-localization .smlm (DEFLATE) with our
 * streaming reader and with a JSZip reader written the way ShareLoc's "SMLM File IO" plugin reads
 * (load the whole archive, inflate the table whole, de-interleave byte by byte assuming 4-byte
 * columns). Each reader runs in its own child process (twice, best time kept) so peak memory
 * (max RSS above the pre-parse RSS) does not mix. Targets: time ≤ 0.3× JSZip's, peak ≤ 1.5× table bytes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readLikeShareLoc } from '../test/smlm/shareloc-reader.js';
import { FileSource } from '../src/io/file-source.js';
import { readSmlm } from '../src/smlm/read.js';
import '../src/smlm/node.js';
import { SmlmWriter } from '../src/smlm/write.js';

const ROWS = Number(process.env.SMLM_BENCH_ROWS ?? 10_000_000);
const COLUMNS = ['frame', 'x', 'y', 'intensity'];
const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
const file = path.join(root, '.cache', 'bench', `smlm-${ROWS}.smlm`);

/** Simulated localizations: frames ascending, positions along filaments, photon counts. */
function generate(out: string) {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const fd = fs.openSync(`${out}.partial`, 'w');
  const w = new SmlmWriter((c) => {
    let o = 0;
    while (o < c.byteLength) o += fs.writeSync(fd, c, o);
  }, { name: path.basename(out), level: 6 });
  const t = w.beginTable({ name: 'localizations', columns: COLUMNS.map((name) => ({ name, dtype: 'float32' as const })) });
  let seed = 42;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const batch = 1 << 20;
  for (let r0 = 0; r0 < ROWS; r0 += batch) {
    const n = Math.min(batch, ROWS - r0);
    const cols = COLUMNS.map(() => new Float32Array(n));
    for (let i = 0; i < n; i++) {
      const s = rnd() * 20000;
      const f = rnd() * 8;
      cols[0][i] = Math.floor(((r0 + i) / ROWS) * 60000) + 1;
      cols[1][i] = 1000 + s + Math.cos(f) * 30 + (rnd() - 0.5) * 40;
      cols[2][i] = 1000 + ((f * 2500 + s * Math.sin(f)) % 20000) + (rnd() - 0.5) * 40;
      cols[3][i] = Math.round(300 + rnd() * 5000);
    }
    t.writeColumns(cols);
  }
  t.end();
  w.finish();
  fs.closeSync(fd);
  fs.renameSync(`${out}.partial`, out);
}

async function jszipShareLoc(p: string): Promise<Float32Array[]> {
  const d = await readLikeShareLoc(fs.readFileSync(p));
  return d.tables.flatMap((t) => Object.values(t.columns));
}

async function child(which: string, p: string) {
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let checksum = 0;
  if (which === 'jszip') {
    const cols = await jszipShareLoc(p);
    checksum = cols[1][ROWS - 1] + cols[2][0];
  } else {
    const d = await readSmlm(new FileSource(p), { images: false, inflater: which === 'ours-fflate' ? 'fflate' : 'native' });
    checksum = d.tables[0].columns[1].data[ROWS - 1] + d.tables[0].columns[2].data[0];
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, peak: peak - rss0, checksum }) + '\n');
}

const runChild = (which: string) => {
  const runs = [0, 1, 2].map(() => {
    const r = spawnSync(process.execPath, ['--expose-gc', process.argv[1], '--child', which, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`${which} failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; cpuMs: number; peak: number; checksum: number };
  });
  return runs.sort((a, b) => a.ms - b.ms)[0];
};

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  await child(argv[1], argv[2]);
} else {
  if (!fs.existsSync(file)) {
    const t = performance.now();
    console.log(`generating ${file} (${ROWS.toLocaleString()} localizations × ${COLUMNS.length} float32) …`);
    generate(file);
    console.log(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const tableBytes = ROWS * COLUMNS.length * 4;
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  console.log(`file ${mb(fs.statSync(file).size)} (deflated), table ${mb(tableBytes)}`);
  const res = Object.fromEntries(['jszip', 'ours', 'ours-fflate'].map((w) => [w, runChild(w)]));
  if (new Set(Object.values(res).map((r) => r.checksum)).size !== 1) throw new Error('readers disagree on the data');
  console.log('reader           wall (best of 3)   CPU (user+sys)   peak RSS above start   peak / table');
  for (const [k, r] of Object.entries(res)) {
    console.log(`${k.padEnd(18)} ${(r.ms / 1000).toFixed(2).padStart(6)} s   ${(r.cpuMs / 1000).toFixed(2).padStart(10)} s   ${mb(r.peak).padStart(14)}        ${(r.peak / tableBytes).toFixed(2)}×`);
  }
  console.log(`CPU time ours / JSZip-ShareLoc = ${(res.ours.cpuMs / res.jszip.cpuMs).toFixed(3)} (less sensitive to other load on the machine)`);
  const ratio = res.ours.ms / res.jszip.ms;
  console.log(`time ours / JSZip-ShareLoc = ${ratio.toFixed(3)} (target ≤ 0.3)  ${ratio <= 0.3 ? 'OK' : 'MISSED'}`);
  console.log(`time ours(fflate) / JSZip-ShareLoc = ${(res['ours-fflate'].ms / res.jszip.ms).toFixed(3)} (the browser fallback inflater)`);
  const mem = res.ours.peak / tableBytes;
  console.log(`peak ours / table bytes = ${mem.toFixed(2)} (target ≤ 1.5)  ${mem <= 1.5 ? 'OK' : 'MISSED'}`);
  console.log(`peak JSZip / table bytes = ${(res.jszip.peak / tableBytes).toFixed(2)}`);
}
