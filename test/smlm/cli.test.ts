import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataSummary, testData } from '../helpers/fixtures.js';
import { pyReadSmlm } from './pyreader.js';
import { writeSmlm } from '../../src/smlm/index.js';

const repoRoot = path.resolve(__dirname, '../..');
// A ShareLoc-layout .smlm written by Python (test/fixtures/make_data.py); the real ShareLoc file
// is checked the same way in shareloc.corpus.test.ts.
const GEN = dataSummary().smlm;
const TOWER = path.join(testData(), 'smlm', GEN.file);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smlm-cli-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), ...args], { encoding: 'utf8' });

beforeAll(() => {
  execFileSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot });
});

describe('imjoy-share smlm', () => {
  it('info --json --head 2 on a ShareLoc-layout file', () => {
    const r = cli('smlm', 'info', TOWER, '--json', '--head', '2');
    const frames = pyReadSmlm(TOWER).tables[0].columns.frame;
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.tables).toHaveLength(1);
    const t = info.tables[0];
    expect([t.name, t.channel, t.rows]).toEqual([GEN.table, 'default', GEN.rows]);
    expect(t.columns.map((c: { name: string; dtype: string }) => [c.name, c.dtype])).toEqual([['frame', 'float32'], ['x', 'float32'], ['y', 'float32']]);
    expect(t.columns[0]).toMatchObject({ min: Math.min(...frames), max: Math.max(...frames) });
    expect(t.head).toHaveLength(2);
    expect(t.head[0]).toEqual(GEN.row0);
  });

  it('info checks the rows against the ZIP directory and computes stats the manifest lacks (files written by Python)', () => {
    // zipfile + numpy write the archive: a table declared with 10 rows holding 9, and a good one without min/max
    const script = `
import json, sys, zipfile, numpy as np
def write(path, rows_declared, data, stats):
    fmt = {"name": "t", "type": "table", "mode": "binary", "extension": ".bin", "columns": 2, "headers": ["x", "y"], "dtype": ["float32", "float32"], "shape": [1, 1]}
    f = {"name": "t.bin", "format": "t", "channel": "default", "rows": rows_declared, "type": "table"}
    if stats: f.update(min={"x": float(data["x"].min()), "y": float(data["y"].min())}, max={"x": float(data["x"].max()), "y": float(data["y"].max())})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps({"format_version": "0.2", "formats": {"t": fmt}, "files": [f]}))
        z.writestr("t.bin", data.tobytes())
rng = np.random.default_rng(3)
d = np.zeros(9, dtype=[("x", "<f4"), ("y", "<f4")]); d["x"] = rng.uniform(10, 500, 9); d["y"] = rng.uniform(-5, 5, 9)
write(sys.argv[1] + "/short.smlm", 10, d, True)
write(sys.argv[1] + "/nostats.smlm", 9, d, False)
print(json.dumps([float(d["x"].min()), float(d["x"].max()), float(d["y"].min()), float(d["y"].max())]))
`;
    const [xmin, xmax, ymin, ymax] = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, tmp]).toString());
    const short = cli('smlm', 'info', path.join(tmp, 'short.smlm'));
    expect(short.status).toBe(2);
    expect(short.stdout).toBe('');
    expect(short.stderr.trim()).toBe(`imjoy-share: ${path.join(tmp, 'short.smlm')}: table t.bin: rows × stride = 10 × 8 = 80 bytes, but the member holds 72 bytes`);
    const ok = cli('smlm', 'info', path.join(tmp, 'nostats.smlm'), '--json');
    expect(ok.status, ok.stderr).toBe(0);
    const cols = JSON.parse(ok.stdout).tables[0].columns;
    expect(cols[0].min).toBeCloseTo(xmin, 4);
    expect(cols[0].max).toBeCloseTo(xmax, 4);
    expect(cols[1].min).toBeCloseTo(ymin, 5);
    expect(cols[1].max).toBeCloseTo(ymax, 5);
  });

  it('info --head on several tables reads only their first rows, for each table', () => {
    const f = path.join(tmp, 'two.smlm');
    const a = Float32Array.from({ length: 100000 }, (_, i) => i * 0.5);
    fs.writeFileSync(f, writeSmlm([
      { name: 'a', channel: 'red', columns: [{ name: 'x', data: a }, { name: 'y', data: a.map((v) => v + 1) }] },
      { name: 'b', channel: 'green', columns: [{ name: 'x', dtype: 'uint16', data: Uint16Array.of(7, 8, 9) }, { name: 'y', dtype: 'float64', data: Float64Array.of(0.1, 0.2, 0.3) }] },
    ]));
    const r = cli('smlm', 'info', f, '--json', '--head', '2');
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.tables.map((t: { channel: string; rows: number; head: number[][] }) => [t.channel, t.rows, t.head])).toEqual([
      ['red', 100000, [[0, 1], [0.5, 1.5]]],
      ['green', 3, [[7, 0.1], [8, 0.2]]],
    ]);
    expect(info.tables[1].columns).toEqual([{ name: 'x', dtype: 'uint16', min: 7, max: 9 }, { name: 'y', dtype: 'float64', min: 0.1, max: 0.3 }]);
  });

  it('convert .smlm → .csv → .smlm keeps every value; Python reads the result', () => {
    const csv = path.join(tmp, 'e.csv');
    const out = path.join(tmp, 'e.smlm');
    expect(cli('smlm', 'convert', TOWER, '-o', csv).status).toBe(0);
    const lines = fs.readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('"frame","x [nm]","y [nm]"');
    expect(lines).toHaveLength(GEN.rows + 1);
    expect(cli('smlm', 'convert', csv, '-o', out).status).toBe(0);
    const a = pyReadSmlm(TOWER).tables[0].columns;
    const b = pyReadSmlm(out).tables[0].columns;
    for (const k of ['frame', 'x', 'y']) expect(b[k]).toEqual(a[k]);
  });

  it('a bad CSV row: exit code 2, message with line and column, no output left behind', () => {
    const csv = path.join(tmp, 'bad.csv');
    fs.writeFileSync(csv, 'frame,x [nm],y [nm]\n1,2,3\n2,3,oops\n');
    const out = path.join(tmp, 'bad.smlm');
    const r = cli('smlm', 'convert', csv, '-o', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bad.csv line 3, column 3 (y [nm]): "oops" is not a number');
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(`${out}.partial`)).toBe(false);
  });

  it('not an .smlm: exit code 2 naming the file', () => {
    const f = path.join(tmp, 'notzip.smlm');
    fs.writeFileSync(f, 'hello world, this is not a zip archive at all');
    const r = cli('smlm', 'info', f, '--json');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${f}: not an .smlm file`);
    expect(r.stdout).toBe('');
  });
});
