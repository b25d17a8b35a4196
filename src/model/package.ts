/**
 * A model "package": its RDF plus a way to read the files it references, whether the RDF is a
 * URL, a local path (through an injected readFile, so this module stays browser-safe) or a model
 * package zip (rdf.yaml / bioimageio.yaml + files, read lazily through the ZIP seam).
 */
import { SourceError, type ByteSource } from '../io/byte-source.js';
import { openSource } from '../io/open.js';
import { parseRdf } from '../rdf/parse.js';
import { loadRdf, readBytes, resolveRef, RDF_FILE_NAMES, type FetchFn, type ReadFileFn } from '../rdf/load.js';
import { listZip, readEntry, type ZipEntry } from '../zip/zip.js';
import { describeModel, type ModelSpec } from './spec.js';

export interface ModelPackage {
  /** Where the RDF came from (path, URL, or zip name + member). */
  location: string;
  rdf: unknown;
  spec: ModelSpec;
  /** Bytes of a file the RDF references (relative to the RDF, or an absolute URL). */
  readFile(rel: string, signal?: AbortSignal): Promise<Uint8Array>;
  /** Releases what opening took (the zip's file handle when the package opened it itself). */
  close?(): Promise<void>;
}

export interface OpenPackageOptions {
  fetch?: FetchFn;
  readFile?: ReadFileFn;
  /** Opens a local path or URL as a ByteSource (for zips); defaults to openSource (URLs, browser-safe). */
  openSource?: (loc: string) => ByteSource;
  signal?: AbortSignal;
}

/** Model weights and test tensors are far larger than RDFs; this caps a single referenced file. */
const MAX_FILE_BYTES = 2 * 1024 ** 3;

const isZipName = (s: string) => /\.zip($|\?)/i.test(s);

export async function openModelPackage(input: string | ByteSource, opts: OpenPackageOptions = {}): Promise<ModelPackage> {
  if (typeof input !== 'string') return openZipPackage(input, opts);
  if (isZipName(input)) {
    const open = opts.openSource ?? ((loc: string) => openSource(loc, { fetch: opts.fetch as typeof fetch | undefined }));
    const src = open(input) as ByteSource & { close?: () => Promise<void> };
    const closeSrc = async () => void (await src.close?.());
    try {
      return { ...(await openZipPackage(src, opts)), close: closeSrc };
    } catch (e) {
      await closeSrc();
      throw e;
    }
  }
  const loaded = await loadRdf(input, { fetch: opts.fetch, readFile: opts.readFile, signal: opts.signal });
  const spec = describeModel(loaded.parsed.data, loaded.location);
  return {
    location: loaded.location,
    rdf: loaded.parsed.data,
    spec,
    readFile: (rel, signal) =>
      readBytes(resolveRef(loaded.baseUrl, rel), { fetch: opts.fetch, readFile: opts.readFile, signal: signal ?? opts.signal }, MAX_FILE_BYTES),
  };
}

/** A model zip: the RDF is bioimageio.yaml or rdf.yaml (a *.bioimageio.yaml at the root also counts). */
export async function openZipPackage(source: ByteSource, opts: { signal?: AbortSignal } = {}): Promise<ModelPackage> {
  const { entries } = await listZip(source);
  const byName = new Map<string, ZipEntry>(entries.filter((e) => !e.isDirectory).map((e) => [e.name, e]));
  // Packages are written flat or inside one top folder; find the RDF and read the rest relative to it.
  const candidates = [...byName.keys()].filter((n) => {
    const base = n.split('/').pop() ?? '';
    return RDF_FILE_NAMES.includes(base) || base.endsWith('.bioimageio.yaml');
  });
  candidates.sort((a, b) => a.split('/').length - b.split('/').length || rank(a) - rank(b));
  const rdfName = candidates[0];
  if (!rdfName) throw new SourceError(source.name, `no ${RDF_FILE_NAMES.join(' or ')} in this zip; not a model package`);
  const prefix = rdfName.slice(0, rdfName.lastIndexOf('/') + 1);
  const text = new TextDecoder().decode(await readEntry(source, byName.get(rdfName)!, opts.signal));
  const where = `${source.name}/${rdfName}`;
  const parsed = parseRdf(text, { name: where });
  const spec = describeModel(parsed.data, where);
  return {
    location: where,
    rdf: parsed.data,
    spec,
    async readFile(rel, signal) {
      if (/^https?:\/\//i.test(rel)) throw new SourceError(source.name, `${rel}: files outside the package are not fetched from a zip`);
      const name = resolveRef(prefix, rel).replace(/^\.\//, '');
      const e = byName.get(name);
      if (!e) throw new SourceError(source.name, `${rel}: not in the package (looked for ${name})`);
      return readEntry(source, e, signal);
    },
  };
}

const rank = (n: string) => {
  const b = n.split('/').pop() ?? '';
  const i = RDF_FILE_NAMES.indexOf(b);
  return i < 0 ? RDF_FILE_NAMES.length : i;
};
