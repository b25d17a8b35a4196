import type { Command } from 'commander';
import { toCard } from '../../rdf/card.js';
import { explain04to05 } from '../../rdf/convert.js';
import { reportOk, validateLoaded, type RdfReport } from '../../rdf/full.js';
import { RdfLoadError, type LoadedRdf } from '../../rdf/load.js';
import { loadRdfNode, nodeFileAccess } from '../../rdf/node.js';
import { RdfParseError } from '../../rdf/parse.js';
import { formatCard, formatReport } from '../../rdf/show.js';
import { validateRdf } from '../../rdf/validate.js';
import { readCollection, searchCollection } from '../../rdf/collection.js';
import { progressBar } from '../progress.js';
import { SourceError, type ByteSource } from '../../io/byte-source.js';
import { openNodeSource } from '../../io/open-node.js';
import type { FileAccess } from '../../rdf/files.js';
import { isZipLocation, loadRdfFromZip } from '../../rdf/zip.js';

/**
 * Loads (a file, folder, URL or package zip) and runs `fn`, or exits with code 2 (unreadable),
 * printing the reason. A package zip stays open while `fn` checks its files, then is closed.
 */
async function withRdf(location: string, json: boolean, fn: (got: { loaded: LoadedRdf; access: FileAccess }) => Promise<void>): Promise<void> {
  const zip = isZipLocation(location) ? openNodeSource(location) : undefined;
  try {
    const got = await loadOr2(location, json, zip);
    if (got) await fn(got);
  } finally {
    await (zip as { close?: () => Promise<void> } | undefined)?.close?.();
  }
}

async function loadOr2(location: string, json: boolean, zip?: ByteSource): Promise<{ loaded: LoadedRdf; access: FileAccess } | undefined> {
  try {
    if (zip) {
      const node = nodeFileAccess();
      return await loadRdfFromZip(zip, node.sha256, node);
    }
    return { loaded: await loadRdfNode(location), access: nodeFileAccess() };
  } catch (e) {
    if (!(e instanceof RdfLoadError || e instanceof RdfParseError || e instanceof SourceError)) throw e;
    const pos = e instanceof RdfParseError ? e.position : undefined;
    if (json) {
      process.stdout.write(JSON.stringify({ valid: false, readable: false, error: e.message, ...(pos ? { line: pos.line, column: pos.column } : {}) }) + '\n');
    }
    process.stderr.write(`imjoy-share rdf: ${e.message}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

export function registerRdf(program: Command) {
  const rdf = program.command('rdf').description('BioImage.IO resource descriptions (rdf.yaml / bioimageio.yaml): validate, show (--convert-preview for model 0.4), search collections');

  rdf
    .command('validate <path-or-url>')
    .description('validate an RDF as bioimageio.spec does (format), then the files it references; exit 0 valid, 1 invalid (format, or a file check that ran failed), 2 unreadable')
    .option('--json', 'print {"valid","ok","type","format_version","format":{…},"files":{"checked","errors","warnings","skipped"}} as JSON')
    .option('--no-files', 'skip checking referenced files (existence, sha256, test tensor shapes)')
    .option('--no-hashes', 'check that referenced files exist but do not hash them')
    .option('--strict', 'also fail when a referenced file could not be checked (unreachable, too large, or --no-files)')
    .action(async (location: string, opts: { json?: boolean; files: boolean; hashes: boolean; strict?: boolean }) => {
      await withRdf(location, !!opts.json, async (got) => {
        const { loaded } = got;
        const bar = opts.json ? undefined : progressBar('checking files');
        const r = await validateLoaded(loaded, {
          access: got.access,
          files: opts.files,
          hashes: opts.hashes,
          onProgress: (d, t, l) => bar?.update(d, t, l),
        });
        bar?.stop();
        const ok = reportOk(r, !!opts.strict);
        if (opts.json) process.stdout.write(JSON.stringify(jsonReport(r, ok), null, 2) + '\n');
        else process.stdout.write(formatReport(r, loaded.location, !!opts.strict) + '\n');
        process.exitCode = ok ? 0 : 1;
      });
    });

  rdf
    .command('show <path-or-url>')
    .description('print a readable summary of an RDF (name, authors, citations, tensors, weights)')
    .option('--json', 'print the normalised card as JSON')
    .option('--convert-preview', 'for a model 0.4: explain how its fields map to 0.5 (not the official converter)')
    .action(async (location: string, opts: { json?: boolean; convertPreview?: boolean }) => {
      await withRdf(location, false, async (got) => {
        const { loaded } = got;
        // A model 0.3 is shown as the official library reads it: converted to 0.4.
        const converted = validateRdf(loaded.parsed).converted;
        const fromOld = converted && !/^0\.(4|5)\./.test(converted.from) && converted.data.type === 'model';
        const card = toCard(fromOld ? converted.data : loaded.parsed.data, loaded.baseUrl);
        if (opts.json) process.stdout.write(JSON.stringify(card, null, 2) + '\n');
        else process.stdout.write((fromOld ? `(format ${converted.from}, shown converted to ${converted.to} as the official library reads it)\n` : '') + formatCard(card) + '\n');
        if (opts.convertPreview) {
          if (!card.format_version.startsWith('0.4.')) {
            process.stdout.write('\n(convert preview applies to model format 0.4 only)\n');
          } else {
            const p = explain04to05(loaded.parsed.data);
            process.stdout.write(`\n0.4 → 0.5: ${p.disclaimer}\n` + p.steps.map((s) => `  ${s.from} → ${s.to}: ${s.note}`).join('\n') + '\n');
          }
        }
      });
    });

  rdf
    .command('search <collection> [query...]')
    .description('list or search a collection (collection.json, index.json or a collection RDF); query terms, type:model, tag:x')
    .option('--json', 'print matching entries as JSON')
    .action(async (location: string, query: string[], opts: { json?: boolean }) => {
      await withRdf(location, !!opts.json, async (got) => {
        const { loaded } = got;
        let entries;
        try {
          entries = searchCollection(readCollection(loaded.parsed.data, loaded.baseUrl), query.join(' '));
        } catch (e) {
          process.stderr.write(`imjoy-share rdf: ${loaded.location}: ${(e as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
        if (opts.json) process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
        else for (const e of entries) process.stdout.write(`${e.id.padEnd(28)} ${e.type.padEnd(12)} ${e.name}${e.rdf_source ? `  ${e.rdf_source}` : ''}\n`);
        process.exitCode = entries.length ? 0 : 1;
      });
    });
}

/** The CLI's JSON: the format verdict first, then both levels in full. */
function jsonReport(r: RdfReport, ok: boolean) {
  return { valid: r.valid, ok, type: r.type, format_version: r.format_version, format: r.format, files: r.files };
}
