/**
 * Source resolution: whatever `add_image({source})` receives becomes a zarrita store.
 * - a reference JSON URL (`….json`, also pre-signed with a query string, or `ref://<url>`),
 * - an OME-Zarr URL (NGFF 0.4 / zarr v2 or 0.5 / zarr v3),
 * - a zipped OME-Zarr URL (`.zip`, `.ozx`) or an OME-TIFF URL: references are made on the fly
 *   in the browser from the file's index, then read with coalesced Range requests,
 * - a local File/Blob (`.json`, `.zip`, `.tif`),
 * - a reference object, a zarrita store (`get`), or a zarr.js-style store object over RPC
 *   (`getItem`/`containsItem`).
 */
import type { AsyncReadable } from '@zarrita/storage';
import { BlobSource, type ByteSource } from '../io/byte-source.js';
import { HttpSource, displayUrl } from '../io/http-source.js';
import { ReferenceStore, openReferences, type OpenReferencesOptions } from '../reference/open.js';
import type { References } from '../reference/types.js';
import { isRpcStore, rpcStore, urlStore } from './stores.js';
import { isRpcNdArray } from '../ndarray/ndarray.js';
import { ndarrayStore } from './ndarray-store.js';

export type SourceKind = 'references' | 'ome-zarr' | 'zip' | 'tiff' | 'store';

export interface ResolveOptions {
  fetch?: typeof fetch;
  /** Called with the expired URL after a 403; returns a fresh pre-signed URL. */
  refreshUrl?: (oldUrl: string) => Promise<string> | string;
  /** Merge neighbouring chunk reads of one file into one Range request (default true). */
  coalesce?: boolean;
  /**
   * Reference makers for files that are not Zarr stores (injected, see makers.ts, so a bundle
   * carries the ZIP and TIFF readers only when it asks for them).
   */
  makers?: Partial<Record<'zip' | 'tiff', ReferenceMaker>>;
}

export type ReferenceMaker = (source: ByteSource, opts: { url: string }) => Promise<References>;

export interface ResolvedSource {
  store: AsyncReadable;
  /** For messages: the URL without its query string, the file name, or "store object". */
  name: string;
  kind: SourceKind;
  /** Set when chunks are read through references (their reads are coalesced per file). */
  references?: ReferenceStore;
}

/** Classifies a URL by its path (the query string of a pre-signed URL is ignored). */
export function classifyUrl(input: string): { kind: Exclude<SourceKind, 'store'>; url: string } {
  if (input.startsWith('ref://')) return { kind: 'references', url: input.slice('ref://'.length) };
  const raw = input.split(/[?#]/)[0];
  // a folder is a store, whatever its name: the engine serves x.tif as a zarr store at /zarr/x.tif/
  if (raw.endsWith('/')) return { kind: 'ome-zarr', url: input };
  const path = raw.toLowerCase();
  if (path.endsWith('.json')) return { kind: 'references', url: input };
  if (/\.(zip|ozx)$/.test(path)) return { kind: 'zip', url: input };
  if (/\.(tiff?|btf|tf8|svs)$/.test(path)) return { kind: 'tiff', url: input };
  return { kind: 'ome-zarr', url: input };
}

function refOptions(opts: ResolveOptions): OpenReferencesOptions {
  return {
    fetch: opts.fetch,
    refreshUrl: opts.refreshUrl,
    // maxGap -1: even touching ranges stay separate requests (the "coalescing off" baseline).
    coalesce: opts.coalesce === false ? { maxGap: -1 } : undefined,
  };
}

function absolute(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  if (typeof location !== 'undefined') return new URL(url, location.href).href;
  throw new Error(`${url}: not an absolute URL`);
}

async function fromByteSource(kind: 'zip' | 'tiff', src: ByteSource, url: string, opts: ResolveOptions, name: string): Promise<ResolvedSource> {
  const make = opts.makers?.[kind];
  if (!make) throw new Error(`${name}: ${kind === 'zip' ? 'zipped OME-Zarr' : 'OME-TIFF'} sources need the ${kind.toUpperCase()} reference maker, which this build does not include`);
  const refs = await make(src, { url });
  const store = new ReferenceStore(refs, { ...refOptions(opts), openSource: url.startsWith('blob:') || !/^https?:/i.test(url) ? () => src : undefined });
  return { store, name, kind, references: store };
}

export async function resolveSource(source: unknown, opts: ResolveOptions = {}): Promise<ResolvedSource> {
  if (typeof source === 'string') {
    if (!source.trim()) throw new Error('add_image: "source" is empty');
    const { kind, url: rel } = classifyUrl(source.trim());
    const url = absolute(rel);
    const name = displayUrl(url);
    if (kind === 'references') {
      const store = await openReferences(url, refOptions(opts));
      return { store, name, kind, references: store };
    }
    if (kind === 'zip' || kind === 'tiff') {
      const src = new HttpSource(url, { fetch: opts.fetch, refreshUrl: opts.refreshUrl });
      const r = await fromByteSource(kind, src, url, opts, name);
      // the data file is read through the same HttpSource (its URL may have been refreshed)
      return r;
    }
    return { store: urlStore(url, { fetch: opts.fetch }), name, kind };
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const name = (source as File).name ?? 'file';
    const lower = name.toLowerCase();
    if (lower.endsWith('.json')) {
      let refs: References;
      try {
        refs = JSON.parse(await source.text()) as References;
      } catch (e) {
        throw new Error(`${name}: not valid JSON (${(e as Error).message})`);
      }
      const store = new ReferenceStore(refs, refOptions(opts));
      return { store, name, kind: 'references', references: store };
    }
    const kind = /\.(zip|ozx)$/.test(lower) ? 'zip' : /\.(tiff?|btf|tf8)$/.test(lower) ? 'tiff' : undefined;
    if (!kind) throw new Error(`${name}: open a .json reference file, a zipped OME-Zarr (.zip/.ozx) or an OME-TIFF (.tif)`);
    return fromByteSource(kind, new BlobSource(source, name), `file:${name}`, opts, name);
  }
  if (source && typeof source === 'object') {
    const o = source as Record<string, unknown>;
    // a numpy array from Python (hypha-rpc / imjoy-rpc ndarray)
    if (isRpcNdArray(o)) return { store: ndarrayStore(o), name: 'array', kind: 'store' };
    if (isRpcStore(o)) return { store: rpcStore(o, 'store object'), name: 'store object', kind: 'store' };
    if (typeof o.get === 'function') return { store: o as unknown as AsyncReadable, name: 'store', kind: 'store' };
    if (o.refs && typeof o.refs === 'object') {
      const store = new ReferenceStore(o as unknown as References, refOptions(opts));
      return { store, name: 'references', kind: 'references', references: store };
    }
  }
  throw new Error(
    `add_image: cannot open source ${typeof source === 'object' ? JSON.stringify(source)?.slice(0, 100) : String(source)}; pass a URL (OME-Zarr, .json references, .zip, .tif), a File, references, or a store object with getItem/containsItem`,
  );
}
