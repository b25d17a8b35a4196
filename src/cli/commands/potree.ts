import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import '../../smlm/node.js';
import { convertFile } from '../../potree/convert-node.js';
import { zipOctree } from '../../potree/zip-node.js';

const count = (v: string, what: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, not "${v}"`);
  return n;
};

export function registerPotree(program: Command) {
  const potree = program.command('potree').description('huge localization tables as Potree 2.0 octrees, streamed by chunks');
  potree
    .command('convert')
    .description('convert a .smlm (every table; channel kept) or a localization CSV into a Potree 2.0 folder, or one .zip file')
    .argument('<input>', '.smlm or .csv/.tsv/.txt file')
    .requiredOption('-o, --output <dir|file.zip>', 'the octree folder (metadata.json, hierarchy.bin, octree.bin), or a .zip holding them (stored: one URL serves the cloud)')
    .option('--node-points <points>', 'points of the coarsest level; each level below holds 4× more', '20000')
    .option('--json', 'print the summary as JSON')
    .action(async (input: string, o: { output: string; nodePoints: string; json?: boolean }) => {
      const t = Date.now();
      const zip = /\.zip$/i.test(o.output);
      // a zip is made from a folder beside it, removed afterwards
      const dir = zip ? fs.mkdtempSync(path.join(path.dirname(path.resolve(o.output)), '.potree-')) : o.output;
      let r: Awaited<ReturnType<typeof convertFile>>;
      try {
        r = await convertFile(input, zip ? path.join(dir, 'cloud') : dir, { nodePoints: count(o.nodePoints, '--node-points') });
        if (zip) r = { ...r, bytes: zipOctree(path.join(dir, 'cloud'), o.output) };
      } finally {
        if (zip) fs.rmSync(dir, { recursive: true, force: true });
      }
      if (o.json) process.stdout.write(JSON.stringify({ ...r, seconds: (Date.now() - t) / 1000 }) + '\n');
      else process.stdout.write(`${o.output}: ${r.points} points in ${r.nodes} nodes (depth ${r.depth}), ${(r.bytes / 1e6).toFixed(1)} MB; attributes ${r.attributes.join(', ')} (${((Date.now() - t) / 1000).toFixed(1)} s)\n`);
    });
  potree
    .command('info')
    .description('summary of a Potree 2.0 folder: points, nodes, depth, attributes')
    .argument('<dir>', 'the octree folder')
    .option('--json', 'print JSON')
    .action(async (dir: string, o: { json?: boolean }) => {
      const file = path.join(dir, 'metadata.json');
      let meta: { version?: string; points?: number; hierarchy?: { depth?: number; firstChunkSize?: number }; attributes?: { name: string; type: string; min: number[]; max: number[] }[] };
      try {
        meta = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        throw new Error(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(e as Error).message})`}`);
      }
      if (meta.version !== '2.0' || !Array.isArray(meta.attributes)) throw new Error(`${file}: not Potree 2.0 metadata`);
      const nodes = Math.floor((meta.hierarchy?.firstChunkSize ?? 0) / 22);
      const info = { points: meta.points, nodes, depth: meta.hierarchy?.depth, attributes: meta.attributes.map((a) => ({ name: a.name, type: a.type, min: a.min, max: a.max })) };
      if (o.json) process.stdout.write(JSON.stringify(info) + '\n');
      else process.stdout.write(`${dir}: ${info.points} points, ${nodes} nodes in the first hierarchy chunk, depth ${info.depth}\n${info.attributes.map((a) => `  ${a.name.padEnd(16)} ${a.type.padEnd(7)} ${a.min.join(',')} … ${a.max.join(',')}`).join('\n')}\n`);
    });
}
