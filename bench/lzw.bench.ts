/**
 * `npm run bench -- lzw`: decode single-strip LZW TIFFs of 2, 8, 32 and 128 MiB (uint16 camera-like
 * frames written by Debian's libtiff, test/codecs/py/make_lzw.py, cached in .cache/bench/) with
 * our decoder (src/codecs/lzw.ts), with the `lzw-tiff-decoder` WASM package the codec registry used
 * before (same call: the known decoded size as its bound), and with libtiff itself (ctypes,
 * TIFFReadEncodedStrip minus TIFFReadRawStrip). Every decoder runs in its own process, once per
 * process (a strip is decoded once: cold JIT included), best of LZW_BENCH_RUNS (default 3) runs;
 * each result is checked against the bytes numpy wrote. The old decoder is quadratic: its runs stop
 * after LZW_BENCH_OLD_TIMEOUT seconds (default 60) and are then reported as "> limit".
 * `npm run bench -- lzw --sizes=2,8` picks sizes (MiB).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decodeLzw } from '../src/codecs/lzw.js';

const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
const python = '/usr/bin/python3';
const RUNS = Number(process.env.LZW_BENCH_RUNS ?? 3);
const OLD_TIMEOUT_S = Number(process.env.LZW_BENCH_OLD_TIMEOUT ?? 60);
const sizesArg = process.argv.find((a) => a.startsWith('--sizes='));
const SIZES = sizesArg ? sizesArg.slice(8).split(',').map(Number) : [2, 8, 32, 128];

interface Strip { tif: string; raw: string; offset: number; length: number; size: number }

/** H × W uint16 (MiB = H·W·2 / 2^20), one strip, written by libtiff; cached. */
function strip(mib: number): Strip {
  const h = 1 << Math.round(Math.log2(Math.sqrt((mib << 20) / 2)));
  const w = (mib << 20) / 2 / h;
  const dir = path.join(root, '.cache', 'bench', `lzw-camera-${h}x${w}`);
  const meta = path.join(dir, 'cases.json');
  if (!fs.existsSync(meta)) {
    console.log(`generating a ${h}×${w} uint16 single-strip LZW TIFF with libtiff …`);
    fs.mkdirSync(dir, { recursive: true });
    const out = execFileSync(python, [path.join(root, 'test/codecs/py/make_lzw.py'), dir, 'camera', 'camera', String(h), String(w)], { encoding: 'utf8' });
    fs.writeFileSync(meta, out);
  }
  const [c] = JSON.parse(fs.readFileSync(meta, 'utf8')) as { strips: [number, number][]; shape: number[] }[];
  return { tif: path.join(dir, 'camera.tif'), raw: path.join(dir, 'camera.raw'), offset: c.strips[0][0], length: c.strips[0][1], size: c.shape[0] * c.shape[1] * 2 };
}

/** In a child process: one decode, timed; prints {ms, cpuMs, ok}. */
async function child(which: string, s: Strip) {
  const fd = fs.openSync(s.tif, 'r');
  const src = new Uint8Array(s.length);
  fs.readSync(fd, src, 0, s.length, s.offset);
  fs.closeSync(fd);
  let decode: (b: Uint8Array, n: number) => Uint8Array | Promise<Uint8Array>;
  if (which === 'ours') decode = decodeLzw;
  else {
    // the registry's old LZW path (a non-literal specifier: only this benchmark loads it)
    const old = (await import('lzw-tiff-decoder' as string)) as { decompress(b: Uint8Array, max: number): Promise<Uint8Array> };
    await old.decompress(new Uint8Array([0x80, 0x00, 0x20, 0x20]), 1); // instantiate its WASM outside the clock
    decode = old.decompress;
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await decode(src, s.size);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const raw = fs.readFileSync(s.raw);
  const ok = out.length === raw.length && Buffer.compare(Buffer.from(out.buffer, out.byteOffset, out.length), raw) === 0;
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, ok }) + '\n');
}

type Result = { ms: number; cpuMs: number } | { timeout: number } | { error: string };

function runChild(which: string, s: Strip, timeoutS?: number): Result {
  let best: { ms: number; cpuMs: number } | undefined;
  for (let r = 0; r < RUNS; r++) {
    const p = spawnSync(process.execPath, [process.argv[1], '--child', which, JSON.stringify(s)], {
      encoding: 'utf8', maxBuffer: 1 << 20, timeout: timeoutS ? timeoutS * 1000 : undefined,
    });
    if (p.error || p.signal) return { timeout: timeoutS ?? 0 };
    if (p.status !== 0) return { error: p.stderr.trim().split('\n').slice(-3).join(' ') };
    const res = JSON.parse(p.stdout.trim().split('\n').pop()!) as { ms: number; cpuMs: number; ok: boolean };
    if (!res.ok) return { error: 'wrong bytes' };
    if (!best || res.ms < best.ms) best = res;
  }
  return best!;
}

/** libtiff through ctypes: best of RUNS, TIFFReadEncodedStrip time minus TIFFReadRawStrip time. */
function libtiff(s: Strip): Result {
  const code = `
import ctypes, sys, time
lib = ctypes.CDLL('libtiff.so.6')
lib.TIFFOpen.restype = ctypes.c_void_p; lib.TIFFOpen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
lib.TIFFClose.argtypes = [ctypes.c_void_p]
lib.TIFFStripSize.argtypes = [ctypes.c_void_p]; lib.TIFFStripSize.restype = ctypes.c_ssize_t
for f in ('TIFFReadEncodedStrip', 'TIFFReadRawStrip'):
    getattr(lib, f).argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_ssize_t]
    getattr(lib, f).restype = ctypes.c_ssize_t
tif = lib.TIFFOpen(sys.argv[1].encode(), b'r')
size = lib.TIFFStripSize(tif)
buf = ctypes.create_string_buffer(size)
best = None
for r in range(int(sys.argv[2])):
    t0 = time.perf_counter(); c0 = time.process_time()
    assert lib.TIFFReadRawStrip(tif, 0, buf, size) > 0
    t1 = time.perf_counter(); c1 = time.process_time()
    assert lib.TIFFReadEncodedStrip(tif, 0, buf, size) == size
    t2 = time.perf_counter(); c2 = time.process_time()
    ms, cpu = ((t2 - t1) - (t1 - t0)) * 1000, ((c2 - c1) - (c1 - c0)) * 1000
    if best is None or ms < best[0]: best = (ms, cpu)
lib.TIFFClose(tif)
assert buf.raw == open(sys.argv[3], 'rb').read()
print('{"ms": %f, "cpuMs": %f}' % best)
`;
  try {
    return JSON.parse(execFileSync(python, ['-c', code, s.tif, String(RUNS), s.raw], { encoding: 'utf8' }).trim()) as Result;
  } catch (e) {
    return { error: String((e as Error).message).split('\n')[0] };
  }
}

const show = (r: Result) => ('ms' in r ? `${(r.ms / 1000).toFixed(3)} s` : 'timeout' in r ? `> ${r.timeout} s` : `failed: ${r.error}`);
function ratio(a: Result, b: Result): string {
  if ('ms' in a && 'ms' in b) return `${(a.ms / b.ms).toFixed(a.ms / b.ms >= 10 ? 0 : 2)}×`;
  if ('timeout' in a && 'ms' in b) return `> ${((a.timeout * 1000) / b.ms).toFixed(0)}×`;
  return 'n/a';
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  await child(argv[1], JSON.parse(argv[2]) as Strip);
} else {
  const rows: string[][] = [['strip', 'compressed', 'ours', 'lzw-tiff-decoder', 'libtiff (C)', 'old / ours', 'ours / libtiff', 'ours MB/s']];
  for (const mib of SIZES) {
    const s = strip(mib);
    const ours = runChild('ours', s);
    const old = runChild('lzw-tiff-decoder', s, OLD_TIMEOUT_S);
    const lt = libtiff(s);
    rows.push([
      `${mib} MiB`, `${(s.length / 2 ** 20).toFixed(1)} MiB`, show(ours), show(old), show(lt), ratio(old, ours), ratio(ours, lt),
      'ms' in ours ? (s.size / 1e6 / (ours.ms / 1000)).toFixed(0) : 'n/a',
    ]);
    console.log(`${mib} MiB: ours ${show(ours)}, lzw-tiff-decoder ${show(old)}, libtiff ${show(lt)}`);
  }
  console.log(`\nwall time, best of ${RUNS} one-decode processes (uint16 camera frames, one LZW strip each, no predictor)`);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i])).join('  '));
  const oursMs = rows.slice(1).map((r) => r[2]);
  console.log(`\nours, time per size step (×4 bytes): ${oursMs.join(' → ')} (linear: ≈ ×4 per step)`);
}
