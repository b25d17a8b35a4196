/**
 * Reads kerchunk references as a Zarr store: a zarrita `AsyncReadable` (`get`) and, for the
 * ImJoy ecosystem (zarr.js, Vizarr ≤0.3), a zarr.js-style store (`getItem`, `containsItem`,
 * `keys`) that can cross RPC with `_rintf: true`.
 *
 * Why not @zarrita/storage's ReferenceStore: it issues one request per chunk (its range
 * coalescing groups per key, and each key is a different range of the same file), and it has no
 * refresh-on-403. Here all chunk reads requested within one tick are grouped per data file and
 * read through `readRanges`, so neighbouring chunks of one file arrive in one Range request;
 * every read goes through `HttpSource` (Range GETs only, retries, refreshUrl once on 403).
 */
import { SourceError, type ByteSource } from '../io/byte-source.js';
import { readRanges, type CoalesceOptions } from '../io/coalesce.js';
import { displayUrl, type HttpSourceOptions } from '../io/http-source.js';
import { openSource } from '../io/open.js';
import type { References } from './types.js';

type Ref = string | [string] | [string | null, number, number];

export interface OpenReferencesOptions {
  fetch?: typeof fetch;
  /** Called once after a 403 (expired pre-signed URL) with the failing URL; returns a fresh one. */
  refreshUrl?: (oldUrl: string) => Promise<string> | string;
  /** Override template values (e.g. a fresh pre-signed `u`) without rewriting the JSON. */
  templates?: Record<string, string>;
  /** Opens the data file of a URL; Node callers pass openNodeSource to allow local paths. */
  openSource?: (url: string, opts: HttpSourceOptions) => ByteSource;
  /** Read coalescing (defaults: gaps ≤ 64 KiB merged, reads ≤ 8 MiB, 6 in flight). */
  coalesce?: CoalesceOptions;
  retries?: number;
  timeoutMs?: number;
}

export interface ZarrJsStore {
  _rintf: true;
  getItem(key: string): Promise<ArrayBuffer>;
  containsItem(key: string): Promise<boolean>;
  keys(): Promise<string[]>;
}

/** A key's bytes: inline, or in a data file (`offset`/`length` absent: the whole file). */
export type ChunkLocation = { bytes: Uint8Array } | { source: ByteSource; url: string; offset?: number; length?: number };

interface Pending {
  offset: number;
  length: number;
  resolve(b: Uint8Array): void;
  reject(e: unknown): void;
}

const TEMPLATE = /\{\{\s*(\w+)\s*\}\}/g;

function b64decode(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Loads references from an object or a URL (fetched with the given fetch). */
export async function loadReferences(refsOrUrl: References | string, opts: { fetch?: typeof fetch } = {}): Promise<{ refs: References; base?: string }> {
  if (typeof refsOrUrl !== 'string') return { refs: refsOrUrl };
  const doFetch = opts.fetch ?? globalThis.fetch;
  const name = displayUrl(refsOrUrl);
  let res: Response;
  try {
    res = await doFetch(refsOrUrl);
  } catch (e) {
    throw new SourceError(name, `cannot fetch the references: ${(e as Error).message}`);
  }
  if (!res.ok) throw new SourceError(name, `cannot fetch the references (HTTP ${res.status})`, res.status);
  try {
    return { refs: (await res.json()) as References, base: refsOrUrl };
  } catch (e) {
    throw new SourceError(name, `the references are not valid JSON (${(e as Error).message})`);
  }
}

export class ReferenceStore {
  readonly refs: Map<string, Ref>;
  readonly templates: Record<string, string>;
  private sources = new Map<string, ByteSource>();
  private queue = new Map<string, Pending[]>();
  private scheduled = false;

  constructor(
    spec: References | Record<string, Ref>,
    readonly opts: OpenReferencesOptions & { base?: string } = {},
  ) {
    const s = spec as { version?: number; refs?: Record<string, Ref>; templates?: Record<string, string>; gen?: unknown[] };
    if (s.version !== undefined && s.version !== 1) throw new Error(`unknown reference spec version ${s.version} (expected 1, or none for version 0)`);
    if (Array.isArray(s.gen) && s.gen.length) throw new Error('reference "gen" entries are not supported');
    const raw = s.version === 1 ? (s.refs ?? {}) : (spec as Record<string, Ref>);
    this.templates = { ...(s.version === 1 ? s.templates : {}), ...opts.templates };
    this.refs = new Map(Object.entries(raw));
  }

  private resolveUrl(url: string, key: string): string {
    const out = url.replace(TEMPLATE, (_, name: string) => {
      const t = this.templates[name];
      if (t === undefined) throw new Error(`reference ${key}: unknown template {{${name}}}`);
      return t;
    });
    if (this.opts.base && !/^[a-z][a-z0-9+.-]*:/i.test(out) && /^https?:/i.test(this.opts.base)) return new URL(out, this.opts.base).href;
    return out;
  }

  private source(url: string): ByteSource {
    let s = this.sources.get(url);
    if (!s) {
      const http: HttpSourceOptions = { fetch: this.opts.fetch, refreshUrl: this.opts.refreshUrl, retries: this.opts.retries, timeoutMs: this.opts.timeoutMs };
      s = (this.opts.openSource ?? ((u, o) => openSource(u, o)))(url, http);
      this.sources.set(url, s);
    }
    return s;
  }

  has(key: string): boolean {
    return this.refs.has(key.replace(/^\//, ''));
  }

  keys(): string[] {
    return [...this.refs.keys()];
  }

  /**
   * Where a key's bytes are: inline bytes, a byte range of a data file, or undefined for a
   * missing key. For readers that fetch many chunks their own way (`readRegion` streams
   * uncompressed chunks straight into its output with `streamRanges`).
   */
  locate(key: string): ChunkLocation | undefined {
    const k = key.replace(/^\//, '');
    const ref = this.refs.get(k);
    if (ref === undefined) return undefined;
    if (typeof ref === 'string') return { bytes: ref.startsWith('base64:') ? b64decode(ref.slice(7)) : new TextEncoder().encode(ref) };
    if (!Array.isArray(ref) || (ref.length !== 1 && ref.length !== 3)) throw new Error(`reference ${k}: malformed entry ${JSON.stringify(ref)}`);
    const url = this.resolveUrl(ref[0] ?? '', k);
    if (!url) throw new Error(`reference ${k}: no URL`);
    const source = this.source(url);
    if (ref.length === 1) return { source, url };
    const [, offset, length] = ref;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new Error(`reference ${k}: invalid byte range ${offset}+${length}`);
    }
    return { source, url, offset, length };
  }

  /** Read coalescing for the chunks of one data file (gaps ≤ 64 KiB merged, reads ≤ 8 MiB, 6 in flight). */
  get coalesce(): CoalesceOptions {
    // Reads of ≤ 8 MiB: decoding of the first chunks overlaps the transfer of the next ones.
    return { maxGap: 64 * 1024, maxRead: 8 * 1024 * 1024, concurrency: 6, ...this.opts.coalesce };
  }

  /** zarrita's Readable: undefined for a missing key. */
  async get(key: string): Promise<Uint8Array | undefined> {
    const loc = this.locate(key);
    if (loc === undefined) return undefined;
    if ('bytes' in loc) return loc.bytes;
    const { source, url, offset, length } = loc;
    if (offset === undefined || length === undefined) return source.read(0, await source.size());
    return new Promise<Uint8Array>((resolve, reject) => {
      let list = this.queue.get(url);
      if (!list) this.queue.set(url, (list = []));
      list.push({ offset, length, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // A macrotask, not a microtask: zarrita resolves chunk coordinates across several awaits,
        // so the gets of one selection arrive over a few microtask turns.
        setTimeout(() => this.flush(), 0);
      }
    });
  }

  private flush() {
    this.scheduled = false;
    const batches = [...this.queue.entries()];
    this.queue.clear();
    for (const [url, list] of batches) {
      const coalesce = this.coalesce;
      const src = this.source(url);
      const done = new Array<boolean>(list.length).fill(false);
      // each chunk resolves as its read arrives: decoding overlaps the transfer of the rest
      const onPart = (i: number, b: Uint8Array) => {
        done[i] = true;
        list[i].resolve(b);
      };
      readRanges(src, list, { ...coalesce, onPart }).catch((e) => {
        // An HTTP failure (404, 403 after refresh, 5xx after retries) concerns the whole file. A
        // bad range (a reference beyond the end) concerns one chunk: retry the rest one by one so
        // it does not fail its neighbours.
        const left = list.filter((_, i) => !done[i]);
        if (left.length === 1 || (e as SourceError).status !== undefined) left.forEach((p) => p.reject(e));
        else for (const p of left) src.read(p.offset, p.length).then(p.resolve, p.reject);
      });
    }
  }

  /** The zarr.js-style interface for ImJoy RPC (functions stay callable: `_rintf: true`). */
  zarrJs(): ZarrJsStore {
    return {
      _rintf: true,
      getItem: async (key: string) => {
        const v = await this.get(key);
        if (v === undefined) {
          const err = new Error(`key ${key} not present`) as Error & { __zarr__?: string };
          err.__zarr__ = 'KeyError';
          throw err;
        }
        return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? (v.buffer as ArrayBuffer) : (v.slice().buffer as ArrayBuffer);
      },
      containsItem: async (key: string) => this.has(key),
      keys: async () => this.keys(),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => (s as { close?: () => Promise<void> }).close?.()));
  }
}

/** Opens references (an object or a URL to the JSON) as a store for zarrita and zarr.js. */
export async function openReferences(refsOrUrl: References | string, opts: OpenReferencesOptions = {}): Promise<ReferenceStore> {
  const { refs, base } = await loadReferences(refsOrUrl, opts);
  return new ReferenceStore(refs, { ...opts, base });
}
