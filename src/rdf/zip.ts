/**
 * RDFs inside a package zip (bioimageio.yaml / rdf.yaml next to the files it references): the RDF
 * is read from the archive and referenced files are checked as archive members, read lazily over
 * the ByteSource (HTTP Range for remote zips). Browser-safe.
 */
import { checkRange, SourceError, type ByteSource } from '../io/byte-source.js';
import { listZip, readEntry, ZIP_STORED, type ZipEntry } from '../zip/zip.js';
import type { FileAccess } from './files.js';
import { RDF_FILE_NAMES, type LoadedRdf } from './load.js';
import { DEFAULT_PARSE_LIMITS, parseRdf, RdfParseError } from './parse.js';

export const isZipLocation = (s: string) => /\.zip($|[?#])/i.test(s);

/** One archive member as a ByteSource: stored members are a window on the zip, deflated ones inflate once. */
class ZipMemberSource implements ByteSource {
  private data?: Promise<Uint8Array>;
  constructor(
    private readonly zip: ByteSource,
    private readonly entry: ZipEntry,
  ) {}
  get name() {
    return `${this.zip.name}/${this.entry.name}`;
  }
  async size() {
    return this.entry.size;
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this.name, this.entry.size, offset, length);
    if (this.entry.method === ZIP_STORED && !this.entry.encrypted) return this.zip.read(this.entry.dataOffset + offset, length, signal);
    const all = await (this.data ??= readEntry(this.zip, this.entry, signal));
    return all.subarray(offset, offset + length);
  }
}

export interface LoadedZipRdf {
  loaded: LoadedRdf;
  /** File access for the members; absolute URLs go to `outside` when given. */
  access: FileAccess;
}

export async function loadRdfFromZip(zip: ByteSource, sha256: FileAccess['sha256'], outside?: FileAccess): Promise<LoadedZipRdf> {
  const { entries } = await listZip(zip);
  const byName = new Map(entries.filter((e) => !e.isDirectory).map((e) => [e.name, e]));
  const rank = (n: string) => {
    const i = RDF_FILE_NAMES.indexOf(n.split('/').pop() ?? '');
    return i < 0 ? RDF_FILE_NAMES.length : i;
  };
  const rdfName = [...byName.keys()]
    .filter((n) => RDF_FILE_NAMES.includes(n.split('/').pop() ?? '') || n.endsWith('.bioimageio.yaml'))
    .sort((a, b) => a.split('/').length - b.split('/').length || rank(a) - rank(b))[0];
  if (!rdfName) throw new RdfParseError(zip.name, `no ${RDF_FILE_NAMES.join(' or ')} in this zip`);
  const entry = byName.get(rdfName)!;
  const location = `${zip.name}/${rdfName}`;
  if (entry.size > DEFAULT_PARSE_LIMITS.maxBytes) throw new RdfParseError(location, `file is ${(entry.size / 1048576).toFixed(1)} MB; RDF files are limited to 10 MB`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readEntry(zip, entry));
  } catch (e) {
    if (e instanceof SourceError) throw e;
    throw new RdfParseError(location, 'not UTF-8 text');
  }
  const prefix = rdfName.slice(0, rdfName.lastIndexOf('/') + 1);
  const parsed = parseRdf(text, { name: location });
  const missing = (loc: string): ByteSource => {
    const fail = async (): Promise<never> => {
      throw new SourceError(`${zip.name}/${loc}`, 'not in the package', 404);
    };
    return { name: `${zip.name}/${loc}`, size: fail, read: fail };
  };
  const access: FileAccess = {
    sha256,
    open(loc) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(loc)) {
        if (outside) return outside.open(loc);
        const fail = async (): Promise<never> => {
          throw new SourceError(loc, 'files outside the package are not fetched');
        };
        return { name: loc, size: fail, read: fail };
      }
      const e = byName.get(loc.replace(/^\.\//, ''));
      return e ? new ZipMemberSource(zip, e) : missing(loc);
    },
  };
  // baseUrl is the RDF's folder inside the archive ('' at the root): resolveRef yields member names.
  return { loaded: { location, text, parsed, baseUrl: prefix }, access };
}
