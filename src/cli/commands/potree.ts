import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import '../../smlm/node.js';
import { convertFile, parseBytes } from '../../potree/convert-node.js';
import { appendOctree, zipOctree } from '../../potree/zip-node.js';
import { openNodeSource } from '../../io/open-node.js';
import type { ByteSource } from '../../io/byte-source.js';
import { OCTREE_FILES, openOctreeFile, type OctreeFile, type OctreePlace } from '../../potree/single-file.js';
import { octreeInfo } from '../../potree/info.js';

const count = (v: string, what: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, not "${v}"`);
  return n;
};

/** A progress line on stderr (a terminal only), redrawn at most every 200 ms. */
function progressLine() {
  let last = 0;
  return (phase: string, done: number, total: number) => {
    const now = Date.now();
    if (done < total && now - last < 200) return;
    last = now;
    const pass = { read: 'ranges', sample: 'sampling cells', count: 'nodes', write: 'write' }[phase] ?? phase;
    process.stderr.write(`\r\x1b[Kpotree convert: pass ${pass} ${((100 * done) / total).toFixed(0)}% (${done.toLocaleString()} of ${total.toLocaleString()} points)${done === total && phase === 'write' ? '\n' : ''}`);
  };
}

export function registerPotree(program: Command) {
  const potree = program.command('potree').description('huge localization tables as Potree 2.0 octrees, streamed by chunks');
  potree
    .command('convert')
    .description('convert a .smlm (every table; channel kept) or a localization CSV into a Potree 2.0 folder, one .zip file, or stored members appended to the .smlm itself')
    .argument('[input]', '.smlm or .csv/.tsv/.txt file (with --into: the same .smlm, or left out)')
    .option('-o, --output <dir|file.zip>', 'the octree folder (metadata.json, hierarchy.bin, octree.bin), or a .zip holding them (stored: one URL serves the cloud)')
    .option('--into <file.smlm>', 'append the octree to this .smlm (its tables untouched; one URL serves both); replaces an octree appended before')
    .option('--node-points <points>', 'points of the coarsest level; each level below holds 4× more', '20000')
    .option('--sampling <kind>', 'density (default: every level a uniform sample, density kept) or poisson (one point per sampling cell and level)', 'density')
    .option('--hierarchy-step <levels>', 'levels per hierarchy chunk (default: one chunk up to 50 000 nodes, else 4)')
    .option('--threads <n>', 'threads converting (this one and n − 1 workers; default: the cores, at most 8)')
    .option('--max-memory <size>', 'memory the conversion may use, e.g. 512M, 2G', '1G')
    .option('--no-progress', 'no progress line on stderr')
    .option('--json', 'print the summary as JSON')
    .action(async (input: string | undefined, o: { output?: string; into?: string; nodePoints: string; sampling: string; hierarchyStep?: string; threads?: string; maxMemory: string; progress: boolean; json?: boolean }) => {
      const t = Date.now();
      if (!o.output === !o.into) throw new Error('potree convert: give either -o <dir|file.zip> or --into <file.smlm>');
      if (o.into && input && path.resolve(input) !== path.resolve(o.into)) throw new Error(`potree convert: --into appends to the .smlm being converted; ${input} is not ${o.into}`);
      input ??= o.into;
      if (!input) throw new Error('potree convert: which file? (potree convert <input> -o <dir|file.zip>)');
      if (o.into && !/\.smlm$/i.test(o.into)) throw new Error(`${o.into}: --into appends to a .smlm file (a ZIP archive); write -o <file.zip> for other inputs`);
      if (o.sampling !== 'density' && o.sampling !== 'poisson') throw new Error(`--sampling: density or poisson, not "${o.sampling}"`);
      const target = (o.output ?? o.into)!;
      const single = Boolean(o.into) || /\.zip$/i.test(target);
      // a single file is made from a folder beside it, removed afterwards
      const dir = single ? fs.mkdtempSync(path.join(path.dirname(path.resolve(target)), '.potree-')) : target;
      let r: Awaited<ReturnType<typeof convertFile>>;
      try {
        r = await convertFile(input, single ? path.join(dir, 'cloud') : dir, {
          nodePoints: count(o.nodePoints, '--node-points'),
          sampling: o.sampling,
          hierarchyStep: o.hierarchyStep === undefined ? undefined : count(o.hierarchyStep, '--hierarchy-step'),
          threads: o.threads === undefined ? undefined : count(o.threads, '--threads'),
          maxMemory: parseBytes(o.maxMemory, '--max-memory'),
          onProgress: o.progress && process.stderr.isTTY ? progressLine() : undefined,
        });
        if (o.into) r = { ...r, bytes: appendOctree(path.join(dir, 'cloud'), o.into) };
        else if (single) r = { ...r, bytes: zipOctree(path.join(dir, 'cloud'), target) };
      } finally {
        if (single) fs.rmSync(dir, { recursive: true, force: true });
      }
      if (o.json) process.stdout.write(JSON.stringify({ ...r, seconds: (Date.now() - t) / 1000 }) + '\n');
      else {
        const s = (Date.now() - t) / 1000;
        process.stdout.write(`${target}: ${r.points} points in ${r.nodes} nodes (depth ${r.depth}), ${(r.bytes / 1e6).toFixed(1)} MB; attributes ${r.attributes.join(', ')}\n  ${s.toFixed(1)} s, ${(r.points / s / 1e6).toFixed(2)} M points/s on ${r.threads} thread${r.threads > 1 ? 's' : ''}, peak memory ${r.peak_rss_mb} MB\n`);
      }
    });
  potree
    .command('info')
    .description('summary of a Potree 2.0 octree — a folder, its single-file .zip, a .smlm holding one, or the URL of any of these: points, nodes, depth, attributes')
    .argument('<dir|zip|smlm|url>', 'the octree folder, a .zip from `potree convert -o x.zip`, a .smlm from `--into`, or an http(s) URL of metadata.json or of such a file')
    .option('--json', 'print JSON')
    .action(async (where: string, o: { json?: boolean }) => {
      const octree = await openOctree(where);
      let info;
      try {
        info = await octreeInfo(octree.name, octree.files);
      } finally {
        await octree.close();
      }
      if (o.json) process.stdout.write(JSON.stringify(info) + '\n');
      else process.stdout.write(`${where.split('?')[0]}: ${info.points} points in ${info.nodes} nodes (${info.chunks} hierarchy chunk${info.chunks > 1 ? 's' : ''}), depth ${info.depth}\n${info.attributes.map((a) => `  ${a.name.padEnd(16)} ${a.type.padEnd(7)} ${a.min.join(',')} … ${a.max.join(',')}`).join('\n')}\n`);
    });
}

interface OpenOctree {
  name: string;
  files: Record<OctreeFile, OctreePlace>;
  close(): Promise<void>;
}

/** The three files of an octree folder, its single-file zip or .smlm (local or URL), or a metadata.json URL. */
async function openOctree(where: string): Promise<OpenOctree> {
  const isUrl = /^https?:\/\//i.test(where);
  const path0 = where.split('?')[0]!;
  const opened: ByteSource[] = [];
  const close = async () => {
    for (const s of opened) await (s as { close?: () => Promise<void> }).close?.();
  };
  try {
    if (/\.(zip|smlm)$/i.test(path0)) {
      const source = openNodeSource(where);
      opened.push(source);
      return { name: path0, files: await openOctreeFile(source), close };
    }
    let urlOf: (f: OctreeFile) => string;
    if (isUrl) {
      if (!/metadata\.json$/.test(path0)) throw new Error(`${path0}: give the URL of a metadata.json, a .zip or a .smlm`);
      const query = where.slice(path0.length);
      urlOf = (f) => path0.replace(/metadata\.json$/, f) + query;
    } else {
      const st = fs.statSync(where, { throwIfNoEntry: false });
      if (!st) throw new Error(`${where}: no such file or folder`);
      const dir = st.isDirectory() ? where : path.dirname(where);
      urlOf = (f) => path.join(dir, f);
    }
    const files: Partial<Record<OctreeFile, OctreePlace>> = {};
    for (const f of OCTREE_FILES) {
      const source = openNodeSource(urlOf(f));
      opened.push(source);
      files[f] = { source, offset: 0, size: await source.size() };
    }
    return { name: isUrl ? path0 : where, files: files as Record<OctreeFile, OctreePlace>, close };
  } catch (e) {
    await close();
    throw e;
  }
}
