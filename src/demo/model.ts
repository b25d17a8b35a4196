/** Node edge: writes the demo model package (folder + zip) for the slides, at `npm start`. */
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { buildDemoModel } from './model-files.js';

export async function generateDemoModel(dir: string, log: (msg: string) => void = () => {}): Promise<void> {
  const files = await buildDemoModel();
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
  const { 'sample_input.npy': _sample, ...pkg } = files;
  void _sample;
  fs.writeFileSync(path.join(dir, 'model.zip'), zipSync(pkg, { level: 6 }));
  log(`demo: model package with ${Object.keys(files).length} files (+ model.zip) in ${dir}`);
}
