/**
 * Test data generated at test time by independent writers (test/fixtures/make_data.py: tifffile,
 * libtiff, libvips, zarr + zipfile, numpy) into .cache/fixtures/data-<hash>/, where the hash is
 * that of the generator scripts: the data are remade only when a script changes. vitest's
 * globalSetup (test/fixtures/setup.ts) makes them once before the workers start.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { python, repoRoot } from './paths.js';

const scripts = ['test/fixtures/make_data.py', 'test/tiff/py/libtiff_write.py'].map((s) => path.join(repoRoot, s));

export interface DataSummary {
  tiff: string[];
  zip: string[];
  smlm: { file: string; table: string; rows: number; row0: [number, number, number] };
  npy: string[];
}

/** The folder of generated test data (tiff/, zip/, smlm/, npy/), made if absent. */
export function testData(): string {
  const hash = crypto.createHash('sha256');
  for (const s of scripts) hash.update(fs.readFileSync(s));
  const dir = path.join(repoRoot, '.cache', 'fixtures', `data-${hash.digest('hex').slice(0, 12)}`);
  if (!fs.existsSync(path.join(dir, 'summary.json'))) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const tmp = fs.mkdtempSync(`${dir}.partial-`);
    const out = execFileSync(python, [scripts[0]!, tmp], { encoding: 'utf8', maxBuffer: 1 << 24 });
    fs.writeFileSync(path.join(tmp, 'summary.json'), out);
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another process made it first
    }
  }
  return dir;
}

/** What the generator wrote (row counts, first row of the .smlm table, …). */
export function dataSummary(): DataSummary {
  return JSON.parse(fs.readFileSync(path.join(testData(), 'summary.json'), 'utf8')) as DataSummary;
}
