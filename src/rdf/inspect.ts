/**
 * Browser-safe pipeline behind the RDF Inspector: take a URL, pasted text, a File/Blob or bytes,
 * read and validate it (plus referenced files when it has a URL), and build the display card.
 * Unreadable input becomes a result with one error (and its line), never an exception to the UI.
 */
import { toCard, type Card } from './card.js';
import type { FileAccess } from './files.js';
import { validateLoaded, type RdfReport } from './full.js';
import { loadRdf, RdfLoadError, type FetchFn, type LoadedRdf } from './load.js';
import { parseRdf, RdfParseError, DEFAULT_PARSE_LIMITS } from './parse.js';
import { BlobSource, BytesSource, SourceError, type ByteSource } from '../io/byte-source.js';
import { openSource } from '../io/open.js';
import { isZipLocation, loadRdfFromZip } from './zip.js';

const noHash: FileAccess['sha256'] = () => {
  throw new Error('no sha256 implementation given');
};

const isZipMagic = (b: Uint8Array) => b.length > 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

/** A package zip given as URL, File/Blob or bytes → its ByteSource; undefined for anything else. */
async function zipSource(source: InspectSource, opts: InspectOptions): Promise<ByteSource | undefined> {
  if (typeof source === 'string') {
    if (source.includes('\n') || !isZipLocation(source.trim())) return undefined;
    const url = opts.pageUrl ? new URL(source.trim(), opts.pageUrl).href : source.trim();
    return openSource(url, opts.fetch ? { fetch: opts.fetch as typeof fetch } : {});
  }
  if (source instanceof Blob) {
    const head = new Uint8Array(await source.slice(0, 4).arrayBuffer());
    return isZipMagic(head) ? new BlobSource(source) : undefined;
  }
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const b = source instanceof ArrayBuffer ? new Uint8Array(source) : source;
    return isZipMagic(b) ? new BytesSource(b, 'package.zip') : undefined;
  }
  return undefined;
}

export type InspectSource = string | Blob | Uint8Array | ArrayBuffer | { text: string; name?: string };

export interface Inspection {
  /** false when the input could not be read or parsed at all. */
  readable: boolean;
  name: string;
  /** URL the RDF came from (relative references resolve against it); undefined for text/files. */
  location?: string;
  baseUrl?: string;
  text: string;
  /** Format verdict (`valid`) and the file checks that ran or were skipped. */
  result: RdfReport;
  card?: Card;
}

export interface InspectOptions {
  fetch?: FetchFn;
  /** Referenced-file checks for URL sources; omitted → static validation only. */
  access?: FileAccess;
  hashes?: boolean;
  /** Base for relative URLs (the page URL in a browser). */
  pageUrl?: string;
  onProgress?: (done: number, total: number, label?: string) => void;
}

/** A string is a location (not YAML text) when it is one line that looks like a URL or an RDF file name. */
function looksLikeLocation(s: string): boolean {
  const t = s.trim();
  if (t.includes('\n')) return false;
  if (/^https?:\/\//i.test(t)) return true;
  return !/:\s/.test(t) && /(\.ya?ml|\.json|\/)(\?.*)?$/i.test(t);
}

export async function inspectRdf(source: InspectSource, opts: InspectOptions = {}): Promise<Inspection> {
  let loaded: LoadedRdf;
  let name = 'rdf.yaml';
  let text = '';
  let zipAccess: FileAccess | undefined;
  try {
    const zip = await zipSource(source, opts);
    if (zip) {
      name = zip.name;
      const z = await loadRdfFromZip(zip, opts.access?.sha256 ?? noHash, opts.access);
      loaded = z.loaded;
      zipAccess = z.access;
    } else if (typeof source === 'string' && looksLikeLocation(source)) {
      const url = opts.pageUrl ? new URL(source.trim(), opts.pageUrl).href : source.trim();
      name = url;
      loaded = await loadRdf(url, { fetch: opts.fetch });
    } else {
      if (typeof source === 'string') text = source;
      else if (source instanceof Blob) {
        name = (source as File).name ?? name;
        if (source.size > DEFAULT_PARSE_LIMITS.maxBytes) throw new RdfLoadError(name, `file is ${(source.size / 1048576).toFixed(1)} MB; RDF files are limited to ${DEFAULT_PARSE_LIMITS.maxBytes / 1048576} MB`);
        text = await source.text();
      } else if (source instanceof Uint8Array || source instanceof ArrayBuffer) text = new TextDecoder().decode(source);
      else if (source && typeof source === 'object' && typeof source.text === 'string') {
        text = source.text;
        name = source.name ?? name;
      } else throw new RdfLoadError(name, 'source must be a URL, YAML text, a File/Blob or bytes');
      loaded = { location: name, text, parsed: parseRdf(text, { name }), baseUrl: '' };
    }
  } catch (e) {
    if (!(e instanceof RdfLoadError || e instanceof RdfParseError || e instanceof SourceError)) throw e;
    const pos = e instanceof RdfParseError ? e.position : undefined;
    const errors = [{ path: '', message: e.message, severity: 'error' as const, line: pos?.line, column: pos?.column }];
    return {
      readable: false,
      name,
      text,
      result: { valid: false, errors, warnings: [], format: { valid: false, errors, warnings: [] }, files: { checked: false, total: 0, ran: 0, errors: [], warnings: [], skipped: [] } },
    };
  }
  const isUrl = !zipAccess && /^https?:\/\//i.test(loaded.location);
  const access = zipAccess ?? (isUrl ? opts.access : undefined);
  const result = await validateLoaded(loaded, { access, hashes: zipAccess && !opts.access ? false : opts.hashes, onProgress: opts.onProgress });
  return {
    readable: true,
    name: loaded.location,
    // For a zip opened by URL, the zip URL (the Model Runner takes packages too).
    location: isUrl ? loaded.location : typeof source === 'string' && zipAccess ? (opts.pageUrl ? new URL(source.trim(), opts.pageUrl).href : source.trim()) : undefined,
    baseUrl: isUrl ? loaded.baseUrl : undefined,
    text: loaded.text,
    result,
    // A model 0.3 is shown as the official library reads it (converted to 0.4).
    card: toCard(result.converted && result.converted.data.type === 'model' && !/^0\.(4|5)\./.test(result.converted.from) ? result.converted.data : loaded.parsed.data, isUrl ? loaded.baseUrl : ''),
  };
}
