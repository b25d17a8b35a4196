/**
 * The real ShareLoc file eiffel_tower.smlm (corpus): the generic reading checks of read.suite.ts,
 * plus the values this published file is known to hold, the CLI on it, and CSV round trips.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { BytesSource } from '../../src/io/byte-source.js';
import { csvToSmlm, formatFloat32, readSmlm, tableToCsv, tableInput, writeSmlm } from '../../src/smlm/index.js';
import { corpusData, repoRoot } from '../helpers/paths.js';
import { pyReadSmlm } from './pyreader.js';
import { readSmlmFile, smlmReadSuite } from './read.suite.js';

const EIFFEL = path.join(corpusData, 'smlm/eiffel_tower.smlm');
const f32 = Math.fround;
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), ...args], { encoding: 'utf8' });

smlmReadSuite(EIFFEL);

describe('the real ShareLoc file', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot });
  });

  it('eiffel_tower.smlm: 31,464 rows, row 0 = (1.0, 3092.63, 20595.38) in float32', async () => {
    const d = await readSmlmFile(EIFFEL);
    expect(d.tables).toHaveLength(1);
    const t = d.tables[0];
    expect(t.rows).toBe(31464);
    // ShareLoc quotes the values to two decimals; the float32 stored is the nearest to the original.
    const [frame, x, y] = t.columns.map((c) => c.data[0]);
    expect(frame).toBe(1);
    expect(x).toBeCloseTo(3092.63, 2);
    expect(y).toBeCloseTo(20595.38, 2);
    expect([x, y].map(f32)).toEqual([x, y]);
    expect(t.channel).toBe('default');
    expect(t.pixelSize).toBe(20);
    expect(t.max.frame).toBe(273);
    expect(d.manifest.name).toBe('eiffel_tower-df.smlm');
    // The thumbnail is an inline data-URL PNG.
    expect(d.thumbnail?.mime).toBe('image/png');
    expect([...d.thumbnail!.bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('written again, it keeps the manifest minimum and the thumbnail', async () => {
    const d = await readSmlmFile(EIFFEL);
    const again = await readSmlm(new BytesSource(writeSmlm(d.tables.map(tableInput), { name: 'eiffel_tower-df.smlm', thumbnail: d.thumbnail!.bytes })));
    expect(again.tables[0].min).toEqual({ frame: 1, x: f32(2384.5233401929536), y: f32(1508.605644655043) });
    expect(again.thumbnail!.bytes).toEqual(d.thumbnail!.bytes);
  });

  it('→ CSV → .smlm gives back identical columns', async () => {
    const d = await readSmlmFile(EIFFEL);
    let csv = '';
    await tableToCsv(d.tables[0], (t) => void (csv += t));
    expect(csv.split('\n')[0]).toBe('"frame","x [nm]","y [nm]"');
    expect(csv.split('\n')[1]).toBe(`1,${formatFloat32(d.tables[0].columns[1].data[0])},${formatFloat32(d.tables[0].columns[2].data[0])}`);
    const chunks: Uint8Array[] = [];
    await csvToSmlm([csv], (c) => chunks.push(c));
    const back = await readSmlm(new BytesSource(Buffer.concat(chunks)));
    expect(back.tables[0].rows).toBe(31464);
    back.tables[0].columns.forEach((c, i) => expect(c.data).toEqual(d.tables[0].columns[i].data));
  });

  it('CLI: info --json --head 2, and convert .smlm → .csv → .smlm keeps every value', () => {
    const r = cli('smlm', 'info', EIFFEL, '--json', '--head', '2');
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout).tables[0];
    expect([t.name, t.channel, t.rows]).toEqual(['eiffel_tower-df.bin', 'default', 31464]);
    expect(t.columns[0]).toMatchObject({ min: 1, max: 273 });
    expect(t.head[0][0]).toBe(1);
    expect(t.head[0][1]).toBeCloseTo(3092.63, 2);
    expect(t.head[0][2]).toBeCloseTo(20595.38, 2);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smlm-corpus-'));
    const csvFile = path.join(tmp, 'e.csv');
    const out = path.join(tmp, 'e.smlm');
    expect(cli('smlm', 'convert', EIFFEL, '-o', csvFile).status).toBe(0);
    expect(fs.readFileSync(csvFile, 'utf8').trimEnd().split('\n')).toHaveLength(31465);
    expect(cli('smlm', 'convert', csvFile, '-o', out).status).toBe(0);
    const a = pyReadSmlm(EIFFEL).tables[0].columns;
    const b = pyReadSmlm(out).tables[0].columns;
    for (const k of ['frame', 'x', 'y']) expect(b[k]).toEqual(a[k]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
