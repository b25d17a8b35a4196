/**
 * Load an RDF from an http(s) URL or a local path/folder, and resolve the files it references
 * relative to it. Browser-safe: local file access goes through an injected `readFile`
 * (src/rdf/node.ts supplies the Node one), so this module never imports node:fs.
 */
import { DEFAULT_PARSE_LIMITS, parseRdf, RdfParseError, type ParsedRdf } from './parse.js';
import { concatBytes } from '../io/bytes.js';

/** Reads a local file; must reject (not truncate) when the file is larger than maxBytes. */
export type ReadFileFn = (path: string, maxBytes: number) => Promise<Uint8Array>;
export type FetchFn = (url: string, init?: RequestInit) => Promise<Response>;

export interface LoadOptions {
  fetch?: FetchFn;
  readFile?: ReadFileFn;
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface LoadedRdf {
  /** Where the RDF text came from (the file itself, after folder lookup). */
  location: string;
  text: string;
  parsed: ParsedRdf;
  /** Folder (local, ending in '/') or URL that relative references resolve against. */
  baseUrl: string;
}

/** Thrown when the RDF cannot be read at all (missing, HTTP error, too large): CLI exit code 2. */
export class RdfLoadError extends Error {
  constructor(
    readonly location: string,
    readonly reason: string,
    readonly status?: number,
  ) {
    super(`${location}: ${reason}`);
    this.name = 'RdfLoadError';
  }
}

/** File names tried, in order, when the location is a folder (the website prefers bioimageio.yaml). */
export const RDF_FILE_NAMES = ['bioimageio.yaml', 'rdf.yaml'];

export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

export async function loadRdf(location: string, opts: LoadOptions = {}): Promise<LoadedRdf> {
  const maxBytes = opts.maxBytes ?? DEFAULT_PARSE_LIMITS.maxBytes;
  const candidates = looksLikeFolder(location) ? RDF_FILE_NAMES.map((n) => resolveRef(asFolder(location), n)) : [location];
  let lastErr: unknown;
  for (const loc of candidates) {
    try {
      const bytes = await readBytes(loc, opts, maxBytes);
      const text = decodeUtf8(bytes, loc);
      const parsed = parseRdf(text, { name: displayName(loc), maxBytes });
      return { location: loc, text, parsed, baseUrl: parentOf(loc) };
    } catch (e) {
      lastErr = e;
      // Only a missing candidate moves on to the next file name; any other problem is the answer.
      if (!(e instanceof RdfLoadError && e.status === 404 && candidates.length > 1)) throw e;
    }
  }
  if (candidates.length > 1) {
    throw new RdfLoadError(location, `no ${RDF_FILE_NAMES.join(' or ')} in this folder`, 404);
  }
  throw lastErr;
}

/** Bytes of a referenced or RDF file, capped at maxBytes. */
export async function readBytes(loc: string, opts: LoadOptions, maxBytes: number): Promise<Uint8Array> {
  if (isHttpUrl(loc)) {
    const f = opts.fetch ?? globalThis.fetch;
    let res: Response;
    try {
      res = await f(loc, { signal: opts.signal });
    } catch (e) {
      throw new RdfLoadError(displayName(loc), `cannot fetch: ${(e as Error).message}`);
    }
    if (!res.ok) throw new RdfLoadError(displayName(loc), `HTTP ${res.status} ${res.statusText}`.trim(), res.status);
    const declared = Number(res.headers.get('content-length'));
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw tooLarge(loc, declared, maxBytes);
    }
    return readCapped(res, loc, maxBytes);
  }
  if (!opts.readFile) {
    throw new RdfLoadError(loc, 'local paths need a readFile function (use loadRdfNode from src/rdf/node in Node)');
  }
  return opts.readFile(loc, maxBytes);
}

/** Streams the body, stopping as soon as it exceeds the cap (Content-Length may be absent or wrong). */
async function readCapped(res: Response, loc: string, maxBytes: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(loc, total, maxBytes, true);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

export function tooLarge(loc: string, size: number, maxBytes: number, atLeast = false): RdfLoadError {
  return new RdfLoadError(
    displayName(loc),
    `file is ${atLeast ? 'more than ' : ''}${(size / 1048576).toFixed(1)} MB; RDF files are limited to ${(maxBytes / 1048576).toFixed(0)} MB`,
    413,
  );
}

function decodeUtf8(bytes: Uint8Array, loc: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RdfParseError(displayName(loc), 'not UTF-8 text');
  }
}

/**
 * Resolve a reference from an RDF against its folder or URL. Absolute URLs pass through;
 * local paths are joined and normalised with '/' (Windows drive paths keep their drive).
 */
export function resolveRef(baseUrl: string, relPath: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(relPath)) return relPath;
  if (isHttpUrl(baseUrl)) return new URL(relPath, baseUrl).href;
  if (relPath.startsWith('/')) return normalizePath(relPath);
  const base = baseUrl === '' ? '' : asFolder(baseUrl);
  return normalizePath(base + relPath);
}

/** The folder (or URL directory) containing `loc`, ending in '/'. */
function parentOf(loc: string): string {
  if (isHttpUrl(loc)) return new URL('./', loc).href;
  const p = loc.replace(/\\/g, '/');
  const i = p.lastIndexOf('/');
  return i < 0 ? './' : p.slice(0, i + 1);
}

/** A short name for messages: URLs lose their query string (pre-signed URLs carry secrets there). */
function displayName(loc: string): string {
  if (isHttpUrl(loc)) {
    const u = new URL(loc);
    return u.origin + u.pathname;
  }
  return loc;
}

function looksLikeFolder(loc: string): boolean {
  if (loc.endsWith('/') || loc.endsWith('\\')) return true;
  const last = (isHttpUrl(loc) ? new URL(loc).pathname : loc).split(/[\\/]/).pop() ?? '';
  return last !== '' && !/\.(ya?ml|json)$/i.test(last) && !last.includes('.');
}

function asFolder(loc: string): string {
  return /[\\/]$/.test(loc) ? loc : loc + '/';
}

function normalizePath(p: string): string {
  const s = p.replace(/\\/g, '/');
  const abs = s.startsWith('/');
  const out: string[] = [];
  for (const part of s.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part === '..' && abs) continue;
    else out.push(part);
  }
  return (abs ? '/' : '') + out.join('/');
}
