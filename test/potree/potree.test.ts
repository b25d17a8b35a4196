import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startStaticServer } from '../../src/http/static-server.js';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/host.js';
import { FileSource } from '../../src/io/file-source.js';
import { loadLocalizations } from '../../src/smlm/load.js';
import '../../src/smlm/node.js';
import { convertInMemory } from '../../src/potree/convert-memory.js';
import { releaseWriteLock, takeWriteLock } from '../../src/potree/tasks-node.js';
import { roundHalfUp } from '../../src/potree/kernels.js';
import { python, repoRoot } from '../helpers/paths.js';

// `imjoy-share potree convert` as a user runs it, on a two-channel .smlm written by Python
// (zipfile + numpy), checked by an independent numpy reader of the octree (py/check_potree.py).
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), ...args], { encoding: 'utf8' });
let dir: string;
let bigFile: string | undefined;
/** 2 M localizations, written by the bench's generator (numpy) once for the tests that need that many. */
const bigSmlm = () => {
  if (bigFile) return bigFile;
  bigFile = path.join(dir, 'big.smlm');
  execFileSync(python, [path.join(repoRoot, 'bench/py/potree_points.py'), bigFile, '2000000']);
  return bigFile;
};

beforeAll(() => {
  execFileSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot });
  dir = tmpDir('potree-');
  // channel 0: 30 % of the points in a few dense clusters; channel 1: spread uniformly. A sampler
  // that thins dense regions at coarse levels would show it in the level fractions.
  execFileSync(python, ['-c', `
import json, sys, zipfile, numpy as np
rng = np.random.default_rng(11)
def table(n, clustered):
    d = np.zeros(n, dtype=[('frame', '<u4'), ('x', '<f4'), ('y', '<f4'), ('z', '<f4'), ('intensity', '<f8')])
    if clustered:
        centres = rng.uniform(2000, 38000, (12, 3))
        c = centres[rng.integers(0, 12, n)]
        d['x'], d['y'], d['z'] = (c + rng.normal(0, 150, (n, 3))).T
    else:
        d['x'], d['y'], d['z'] = rng.uniform(0, 40000, n), rng.uniform(0, 40000, n), rng.uniform(-500, 500, n)
    d['frame'] = rng.integers(1, 20000, n)
    d['intensity'] = rng.lognormal(7, 1, n)
    return d
a, b = table(60000, True), table(140000, False)
fmt = {'name': 't', 'type': 'table', 'mode': 'binary', 'extension': '.bin', 'columns': 5, 'headers': list(a.dtype.names), 'dtype': ['uint32', 'float32', 'float32', 'float32', 'float64'], 'shape': [1] * 5}
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('manifest.json', json.dumps({'format_version': '0.2', 'formats': {'t': fmt}, 'files': [
        {'name': 'clusters.bin', 'format': 't', 'channel': 'clusters', 'rows': len(a), 'type': 'table'},
        {'name': 'background.bin', 'format': 't', 'channel': 'background', 'rows': len(b), 'type': 'table'}]}))
    z.writestr('clusters.bin', a.tobytes()); z.writestr('background.bin', b.tobytes())
`, path.join(dir, 'two.smlm')]);
}, 120_000);

describe('imjoy-share potree convert', () => {
  it('every point once, every column bit-exact, points in their boxes, channel shares kept at every level', () => {
    const out = path.join(dir, 'two.potree');
    const r = cli('potree', 'convert', path.join(dir, 'two.smlm'), '-o', out, '--node-points', '5000', '--json');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ points: 200000, channels: ['clusters', 'background'] });
    expect(summary.depth).toBeGreaterThanOrEqual(2);
    const check = JSON.parse(execFileSync(python, [path.join(repoRoot, 'test/potree/py/check_potree.py'), path.join(dir, 'two.smlm'), out], { maxBuffer: 1 << 26 }).toString());
    expect(check).toMatchObject({ rows: 200000, points: 200000, declared: 200000, exact: true, outside: 0 });
    // int32 positions at the data's own precision: float32 near 40 000 holds ~0.005, so 0.001
    expect(check.scale).toBe(0.001);
    expect(check.pos_err).toBeLessThanOrEqual(check.scale / 2 + 1e-9);
    expect(check.global[0]).toBeCloseTo(0.3, 5);
    const levels = Object.values(check.levels) as { points: number; fractions: number[] }[];
    expect(levels.length).toBeGreaterThanOrEqual(2);
    for (const l of levels) expect(Math.abs(l.fractions[0] - 0.3), JSON.stringify(l)).toBeLessThan(0.02);
    // one-byte attributes carry Potree's 256-bin histogram: here the channel, one table each
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8'));
    const channel = meta.attributes.find((a: { name: string }) => a.name === 'channel');
    expect(channel.histogram).toEqual([60000, 140000, ...new Array(254).fill(0)]);
    expect(meta.attributes.find((a: { name: string }) => a.name === 'frame').histogram).toBeUndefined();
    // no half-written folder is left behind
    expect(fs.readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('in memory, as the browser converts: the same three files as potree convert, byte for byte', async () => {
    const source = new FileSource(path.join(dir, 'two.smlm'));
    const data = await loadLocalizations(source).finally(() => source.close());
    const mem = await convertInMemory(data.tables, { name: 'two.smlm', nodePoints: 5000 });
    expect(mem.summary).toMatchObject({ points: 200000, channels: ['clusters', 'background'] });
    for (const f of ['metadata.json', 'hierarchy.bin', 'octree.bin'] as const) {
      expect(Buffer.compare(Buffer.from(mem.files[f]), fs.readFileSync(path.join(dir, 'two.potree', f))), f).toBe(0);
    }
    // a uint8 column of the input gets its histogram too
    const n = 5000;
    const quality = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 5);
    const cols = { x: Float32Array.from({ length: n }, (_, i) => i), y: Float32Array.from({ length: n }, (_, i) => (i * 13) % 997), quality };
    const small = await convertInMemory([{ name: 't', channel: 'default', rows: n, columns: Object.entries(cols).map(([name, data]) => ({ name, data })) } as never]);
    const q = JSON.parse(new TextDecoder().decode(small.files['metadata.json'])).attributes.find((a: { name: string }) => a.name === 'quality');
    expect(q).toMatchObject({ type: 'uint8', min: [0], max: [4] });
    expect(q.histogram.slice(0, 6)).toEqual([1000, 1000, 1000, 1000, 1000, 0]);
  });

  it('--sampling poisson: exactly one point per sampling cell at every level (checked from the columns), the same octree on 1 and 2 threads', () => {
    const one = path.join(dir, 'poisson1.potree');
    const two = path.join(dir, 'poisson2.potree');
    const a = cli('potree', 'convert', path.join(dir, 'two.smlm'), '-o', one, '--node-points', '5000', '--sampling', 'poisson', '--threads', '1', '--json');
    const b = cli('potree', 'convert', path.join(dir, 'two.smlm'), '-o', two, '--node-points', '5000', '--sampling', 'poisson', '--threads', '2', '--json');
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    for (const f of ['octree.bin', 'hierarchy.bin', 'metadata.json']) expect(Buffer.compare(fs.readFileSync(path.join(one, f)), fs.readFileSync(path.join(two, f))), f).toBe(0);
    const check = JSON.parse(execFileSync(python, [path.join(repoRoot, 'test/potree/py/check_potree.py'), path.join(dir, 'two.smlm'), one], { maxBuffer: 1 << 26 }).toString());
    expect(check).toMatchObject({ rows: 200000, points: 200000, exact: true, outside: 0 });
    const levels = Object.values(check.poisson) as { cells: number; covered: number; most_in_a_cell: number }[];
    expect(levels.length).toBe(JSON.parse(a.stdout).depth);
    for (const l of levels) expect(l, JSON.stringify(check.poisson)).toMatchObject({ covered: l.cells, most_in_a_cell: 1 });
    // unlike the default, coarse levels thin dense clusters: the clustered channel's share of the root falls below its 30 %
    expect(Object.values(check.levels as Record<string, { fractions: number[] }>)[0]!.fractions[0]).toBeLessThan(0.25);
    const bad = cli('potree', 'convert', path.join(dir, 'two.smlm'), '-o', path.join(dir, 'x.potree'), '--sampling', 'grid');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/--sampling: density or poisson, not "grid"/);
  });

  it('hierarchy in chunks with proxy nodes: every node reached through them, the same points and octree.bin', () => {
    const one = path.join(dir, 'two.potree'); // made by the first test, one chunk
    const oneCheck = JSON.parse(execFileSync(python, [path.join(repoRoot, 'test/potree/py/check_potree.py'), path.join(dir, 'two.smlm'), one], { maxBuffer: 1 << 26 }).toString());
    expect(oneCheck.chunks).toBe(1);
    for (const step of [1, 2]) {
      const out = path.join(dir, `step${step}.potree`);
      const r = cli('potree', 'convert', path.join(dir, 'two.smlm'), '-o', out, '--node-points', '5000', '--hierarchy-step', String(step));
      expect(r.status, r.stderr).toBe(0);
      const check = JSON.parse(execFileSync(python, [path.join(repoRoot, 'test/potree/py/check_potree.py'), path.join(dir, 'two.smlm'), out], { maxBuffer: 1 << 26 }).toString());
      expect(check).toMatchObject({ rows: 200000, points: 200000, exact: true, outside: 0, nodes: oneCheck.nodes });
      // a chunk per node at each multiple of the step below the root
      expect(check.chunks).toBeGreaterThan(step === 1 ? oneCheck.nodes / 2 : 2);
      const meta = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8'));
      expect(meta.hierarchy.stepSize).toBe(step);
      expect(meta.hierarchy.firstChunkSize).toBeLessThan(fs.statSync(path.join(out, 'hierarchy.bin')).size);
      expect(Buffer.compare(fs.readFileSync(path.join(out, 'octree.bin')), fs.readFileSync(path.join(one, 'octree.bin')))).toBe(0);
      // potree info walks the chunks too, and agrees with the independent reader
      const info = cli('potree', 'info', out, '--json');
      expect(info.status, info.stderr).toBe(0);
      expect(JSON.parse(info.stdout)).toMatchObject({ points: 200000, nodes: check.nodes, chunks: check.chunks });
    }
    // a damaged octree: one clear line naming it
    const broken = path.join(dir, 'broken.potree');
    fs.cpSync(path.join(dir, 'step2.potree'), broken, { recursive: true });
    fs.truncateSync(path.join(broken, 'octree.bin'), 1000);
    const bad = cli('potree', 'info', broken);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/broken\.potree: a node at level \d+ lies at bytes \d+\.\.\d+, beyond octree\.bin \(1000 bytes\)/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('out of core: threads and a small memory limit give the same octree; a stored .smlm is read in place', () => {
    // the same table stored (not deflated): the records are read from the .smlm itself
    const stored = path.join(dir, 'stored.smlm');
    execFileSync(python, ['-c', 'import sys, zipfile\nsrc = zipfile.ZipFile(sys.argv[1])\nwith zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_STORED) as z:\n    [z.writestr(i.filename, src.read(i)) for i in src.infolist()]', path.join(dir, 'two.smlm'), stored]);
    const one = path.join(dir, 'one.potree');
    const two = path.join(dir, 'two-threads.potree');
    const a = cli('potree', 'convert', path.join(dir, 'two.smlm'), '-o', one, '--node-points', '5000', '--threads', '1', '--json');
    const b = cli('potree', 'convert', stored, '-o', two, '--node-points', '5000', '--threads', '2', '--max-memory', '64M', '--json');
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ threads: 2, points: 200000 });
    expect(JSON.parse(b.stdout).peak_rss_mb).toBeGreaterThan(0);
    for (const f of ['octree.bin', 'hierarchy.bin']) expect(Buffer.compare(fs.readFileSync(path.join(one, f)), fs.readFileSync(path.join(two, f))), f).toBe(0);
    // a coordinate that is not a number: one clear line naming the file and the row, nothing written
    fs.writeFileSync(path.join(dir, 'nan.csv'), 'x,y\n1,2\nnan,3\n');
    const bad = cli('potree', 'convert', path.join(dir, 'nan.csv'), '-o', path.join(dir, 'nan.potree'));
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/nan\.csv.*row 1: x is NaN/);
    expect(fs.existsSync(path.join(dir, 'nan.potree'))).toBe(false);
    // coordinates in µm: a scale from their precision (the CSV reader keeps float32: ~5e-6 near 40), not 0.01
    fs.writeFileSync(path.join(dir, 'um.csv'), `x,y\n${Array.from({ length: 2000 }, (_, i) => `${((i * 7919) % 40000) / 1000},${((i * 104729) % 40000) / 1000}`).join('\n')}\n`);
    const um = cli('potree', 'convert', path.join(dir, 'um.csv'), '-o', path.join(dir, 'um.potree'), '--node-points', '500');
    expect(um.status, um.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'um.potree', 'metadata.json'), 'utf8')).scale).toEqual([1e-6, 1e-6, 1e-6]);
    const mem = cli('potree', 'convert', stored, '-o', path.join(dir, 'm.potree'), '--max-memory', '1K');
    expect(mem.status).toBe(2);
    expect(mem.stderr.trim()).toMatch(/--max-memory: 1K is too little/);
  });

  it('positions round as Math.round does, ties and their neighbours included', () => {
    const next = (x: number, dir: 1 | -1) => {
      const b = new Float64Array([x]);
      const u = new BigInt64Array(b.buffer);
      u[0]! += BigInt(x > 0 === dir > 0 ? 1 : -1);
      return b[0]!;
    };
    const xs = [0.49999999999999994, 0.5, -0.5, -0.49999999999999994, 1.5, -1.5, 2.5, -2.5, 2 ** 31 - 0.5, -(2 ** 31) - 0.5, 2 ** 52, -(2 ** 52) + 0.5, 1e300, -1e-300, 0, Number.NaN, Infinity, -Infinity];
    for (let k = -1000; k <= 1000; k += 7) for (const t of [k + 0.5, k * 1024 + 0.5, k * 1048576.25 + 0.5]) xs.push(t, next(t, 1), next(t, -1));
    let seed = 1;
    const random = () => ((seed = Math.imul(seed, 48271) % 2147483647) & 0x7fffffff) / 2147483647;
    for (let i = 0; i < 20000; i++) xs.push((random() - 0.5) * 2 ** (random() * 40));
    for (const x of xs) expect(roundHalfUp(x) + 0, String(x)).toBe(Math.round(x) + 0);
  });

  it('the threads\' write lock orders writes but never stops them: a lock nobody releases is given up after its bound', () => {
    const lock = new Int32Array(new SharedArrayBuffer(4));
    expect(takeWriteLock(lock)).toBe(true);
    expect(lock[0]).toBe(1);
    // held by a thread that died: the writer waits its bound, then writes without it
    const t = performance.now();
    expect(takeWriteLock(lock, 200)).toBe(false);
    expect(performance.now() - t).toBeGreaterThanOrEqual(199);
    expect(lock[0]).toBe(1);
    releaseWriteLock(lock);
    expect(lock[0]).toBe(0);
    expect(takeWriteLock(lock, 0)).toBe(true);
  });

  it('two threads over many blocks write the octree one thread writes: pass 3 joins the fine ranges of passes 1–2 into block-sized tasks', () => {
    // 64M: blocks of ~200 k rows, so the fine ranges of the last tenth of the rows join into several tasks
    const one = path.join(dir, 'big-1.potree');
    const two = path.join(dir, 'big-2.potree');
    const a = cli('potree', 'convert', bigSmlm(), '-o', one, '--threads', '1', '--json');
    const b = cli('potree', 'convert', bigSmlm(), '-o', two, '--threads', '2', '--max-memory', '64M', '--json');
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ threads: 2, points: 2_000_000 });
    for (const f of ['octree.bin', 'hierarchy.bin']) expect(Buffer.compare(fs.readFileSync(path.join(one, f)), fs.readFileSync(path.join(two, f))), f).toBe(0);
    fs.rmSync(one, { recursive: true });
    fs.rmSync(two, { recursive: true });
  });

  it('a conversion killed midway leaves nothing that looks like an octree, and the .smlm it was appending to as it was', async () => {
    const big = bigSmlm();
    const original = fs.readFileSync(big);
    for (const args of [['-o', path.join(dir, 'killed.zip')], ['-o', path.join(dir, 'killed.potree')], ['--into', big]]) {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'potree', 'convert', big, ...args, '--threads', '1', '--no-progress'], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      // killed once it has begun writing: its temporary folder exists
      const working = () => fs.readdirSync(dir).some((f) => f.includes('.partial') || f.startsWith('.potree-'));
      for (let i = 0; i < 2000 && !working(); i++) await new Promise((r) => setTimeout(r, 5)); // polling a condition, with a bound
      expect(working(), args.join(' ')).toBe(true);
      child.kill('SIGKILL');
      await exited;
      expect(fs.existsSync(path.join(dir, 'killed.zip')), args.join(' ')).toBe(false);
      expect(fs.existsSync(path.join(dir, 'killed.potree')), args.join(' ')).toBe(false);
      expect(Buffer.compare(fs.readFileSync(big), original), args.join(' ')).toBe(0);
      for (const f of fs.readdirSync(dir)) if (f.includes('.partial') || f.startsWith('.potree-')) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    }
  });

  it('potree info reads the folder; bad input is one clear line, exit 2', () => {
    const info = cli('potree', 'info', path.join(dir, 'two.potree'), '--json');
    expect(info.status, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout).attributes.map((a: { name: string }) => a.name)).toEqual(['position', 'frame', 'x', 'y', 'z', 'intensity', 'channel']);
    fs.writeFileSync(path.join(dir, 'notes.csv'), 'a,b\n1,2\n');
    // three worker threads are started before the command loads; refusing the input stops them
    const bad = cli('potree', 'convert', path.join(dir, 'notes.csv'), '-o', path.join(dir, 'x.potree'), '--threads', '4');
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/notes\.csv.*not a localization table/);
    expect(fs.existsSync(path.join(dir, 'x.potree'))).toBe(false);
  });

  it('--into appends the octree to the .smlm: its tables untouched, the octree checked, replaced when run again', () => {
    const smlm = path.join(dir, 'into.smlm');
    fs.copyFileSync(path.join(dir, 'two.smlm'), smlm);
    const original = fs.readFileSync(smlm);
    const zipView = () =>
      JSON.parse(
        execFileSync(python, ['-c', 'import sys, json, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({"names": z.namelist(), "bad": z.testzip(), "start_dir": z.start_dir, "first": min([i.header_offset for i in z.infolist() if i.filename.startswith("potree/")] or [0])}))', smlm]).toString(),
      ) as { names: string[]; bad: string | null; start_dir: number; first: number };
    const before = zipView();
    const r = cli('potree', 'convert', '--into', smlm, '--node-points', '5000', '--json');
    expect(r.status, r.stderr).toBe(0);
    const after = zipView();
    expect(after.names).toEqual([...before.names, 'potree/octree.bin', 'potree/hierarchy.bin', 'potree/metadata.json']);
    expect(after.bad).toBeNull(); // every member's CRC, the tables' and the octree's
    // the tables' bytes stay where they were: the octree starts where the old directory was
    expect(after.first).toBe(before.start_dir);
    expect(Buffer.compare(fs.readFileSync(smlm).subarray(0, before.start_dir), original.subarray(0, before.start_dir))).toBe(0);
    const check = JSON.parse(execFileSync(python, [path.join(repoRoot, 'test/potree/py/check_potree.py'), path.join(dir, 'two.smlm'), smlm], { maxBuffer: 1 << 26 }).toString());
    expect(check).toMatchObject({ rows: 200000, points: 200000, declared: 200000, exact: true, outside: 0 });
    // potree info reads it; the table is still a table
    const info = cli('potree', 'info', smlm, '--json');
    expect(info.status, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toEqual(JSON.parse(cli('potree', 'info', path.join(dir, 'two.potree'), '--json').stdout));
    const table = cli('smlm', 'info', smlm, '--json');
    expect(table.status, table.stderr).toBe(0);
    // converting it again (its own octree members are not tables) replaces the octree: same bytes
    const once = fs.readFileSync(smlm);
    const again = cli('potree', 'convert', smlm, '--into', smlm, '--node-points', '5000');
    expect(again.status, again.stderr).toBe(0);
    expect(Buffer.compare(fs.readFileSync(smlm), once)).toBe(0);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.partial') || f.startsWith('.potree-'))).toEqual([]);
    // what --into cannot do: one clear line each
    const none = cli('potree', 'info', path.join(dir, 'two.smlm'));
    expect(none.status).toBe(2);
    expect(none.stderr.trim()).toMatch(/two\.smlm: no octree in this \.smlm \(add one: imjoy-share potree convert .*two\.smlm --into/);
    fs.writeFileSync(path.join(dir, 'pts.csv'), 'x,y\n1,2\n3,4\n');
    const csv = cli('potree', 'convert', '--into', path.join(dir, 'pts.csv'));
    expect(csv.status).toBe(2);
    expect(csv.stderr.trim()).toMatch(/pts\.csv: --into appends to a \.smlm file/);
    const other = cli('potree', 'convert', path.join(dir, 'two.smlm'), '--into', smlm);
    expect(other.status).toBe(2);
    expect(other.stderr.trim()).toMatch(/--into appends to the \.smlm being converted/);
    const both = cli('potree', 'convert', smlm);
    expect(both.status).toBe(2);
    expect(both.stderr.trim()).toMatch(/give either -o <dir\|file\.zip> or --into <file\.smlm>/);
  });

  it('potree info reads the single-file zip, locally and by URL, and a metadata.json URL', async () => {
    const zip = path.join(dir, 'two.zip');
    const made = cli('potree', 'convert', path.join(dir, 'two.smlm'), '-o', zip, '--node-points', '5000');
    expect(made.status, made.stderr).toBe(0);
    const want = JSON.parse(cli('potree', 'info', path.join(dir, 'two.potree'), '--json').stdout);
    const local = cli('potree', 'info', zip, '--json');
    expect(local.status, local.stderr).toBe(0);
    expect(JSON.parse(local.stdout)).toEqual(want);
    // over HTTP (async: the server answers from this process)
    const run = promisify(execFile);
    const info = (u: string) => run(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'potree', 'info', u, '--json']);
    const server = await startStaticServer({ port: 0, mounts: { '/d/': dir } });
    try {
      for (const u of [`${server.url}/d/two.zip?X-Amz-Signature=x`, `${server.url}/d/two.potree/metadata.json`]) {
        expect(JSON.parse((await info(u)).stdout), u).toEqual(want);
      }
      const missing = await info(`${server.url}/d/none.zip`).catch((e) => e);
      expect(missing.code).toBe(2);
      expect(missing.stderr.trim()).toMatch(/none\.zip.*404/);
    } finally {
      await server.close();
    }
  });
});
