import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openNodeSource } from '../../io/open-node.js';
import type { ArrayReport } from '../../reference/check.js';
import type { ReferenceBuilder } from '../../reference/builder.js';
import { makeReferenceBuilder } from '../../reference/make.js';
import type { References } from '../../reference/types.js';
import { retemplate } from '../../s3/retemplate.js';
import { progressBar } from '../progress.js';

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** `ref <file-or-url>`: the references as a builder (the command writes its JSON text). */
async function refBuild(input: string, opts: { url?: string }): Promise<ReferenceBuilder> {
  const source = openNodeSource(input);
  const bar = progressBar('indexing');
  try {
    return await makeReferenceBuilder(source, { url: opts.url ?? (isUrl(input) ? input : path.resolve(input)), onProgress: bar.update });
  } finally {
    bar.stop();
    await (source as { close?: () => Promise<void> }).close?.();
  }
}

async function loadRefs(file: string): Promise<References | string> {
  if (isUrl(file)) return file;
  let refs: unknown;
  try {
    refs = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid reference JSON (${(e as Error).message})`}`);
  }
  // a bare string would otherwise be taken for the URL of references
  if (!refs || typeof refs !== 'object' || Array.isArray(refs)) throw new Error(`${file}: not a reference set (the JSON is not an object)`);
  return refs as References;
}

/** `ref check <refs.json>`: every chunk fetched and decoded. */
export async function refCheck(file: string, opts: { url?: string } = {}): Promise<ArrayReport[]> {
  // loaded here, not at start-up: `ref` (indexing) needs neither zarrita nor the pixel codecs
  const [{ openReferences }, { checkReferences }] = await Promise.all([import('../../reference/open.js'), import('../../reference/check.js')]);
  const store = await openReferences(await loadRefs(file), {
    openSource: (u, o) => openNodeSource(u, o),
    templates: opts.url ? { u: opts.url } : undefined,
  });
  const bar = progressBar('checking');
  try {
    return await checkReferences(store, { onProgress: bar.update });
  } finally {
    bar.stop();
    await store.close();
  }
}

export function formatReport(reports: ArrayReport[]): string {
  const rows = [['array', 'shape', 'dtype', 'chunks', 'codec', 'refs/grid', 'decoded', 'failures']];
  for (const r of reports) rows.push([r.path, r.shape.join('×'), r.dtype, r.chunks.join('×'), r.codec, `${r.chunkRefs}/${r.gridChunks}`, String(r.decoded), String(r.failures.length)]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => r.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd());
  for (const r of reports) for (const f of r.failures.slice(0, 10)) lines.push(`FAILED ${f.key}: ${f.error}`);
  return lines.join('\n');
}

export function registerRef(program: Command) {
  const ref = program
    .command('ref')
    .description('make kerchunk references (JSON) for an OME-TIFF/BigTIFF or a zipped Zarr, local or over HTTP(S)')
    .argument('<file-or-url>', 'the data file: a local path or an http(s) URL (S3 pre-signed URLs work)')
    .option('-o, --output <refs.json>', 'write here instead of stdout')
    .option('--url <url>', 'URL to write in the template (default: the input URL, or the local file\'s absolute path)')
    .action(async (input: string, opts: { output?: string; url?: string }) => {
      const refs = await refBuild(input, opts);
      const json = refs.toJsonBytes();
      if (opts.output) {
        fs.writeFileSync(opts.output, json);
        process.stderr.write(`${opts.output}: ${refs.chunkCount} chunk references, ${json.length} bytes\n`);
      } else {
        process.stdout.write(json);
        process.stdout.write('\n');
      }
    });
  ref
    .command('check')
    .description('fetch and decode every chunk of a reference set; report per array (exit 1 on any failure)')
    .argument('<refs.json>', 'a reference JSON file or URL')
    // Not --url: commander would hand that to the parent `ref` command.
    .option('--data-url <url>', 'read the data from this URL instead of templates.u (e.g. a fresh pre-signed URL)')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: { dataUrl?: string; json?: boolean }) => {
      const reports = await refCheck(file, { url: opts.dataUrl });
      if (reports.length === 0) throw new Error(`${file}: not a reference set with arrays (no .zarray in it)`);
      console.log(opts.json ? JSON.stringify(reports, null, 2) : formatReport(reports));
      if (reports.some((r) => r.failures.length)) process.exitCode = 1;
    });
  ref
    .command('retemplate')
    .description('point existing references at a fresh URL (e.g. a new pre-signed URL); only templates.u changes')
    .argument('<refs.json>', 'a reference JSON file')
    .requiredOption('--to <url>', 'the new data URL')
    .option('-o, --output <refs.json>', 'write here instead of stdout')
    .action(async (file: string, opts: { to: string; output?: string }) => {
      const refs = await loadRefs(file);
      if (typeof refs === 'string') throw new Error('retemplate works on a local reference file');
      const json = JSON.stringify(retemplate(refs, opts.to));
      if (opts.output) fs.writeFileSync(opts.output, json);
      else process.stdout.write(json + '\n');
    });
}
