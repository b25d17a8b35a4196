/**
 * A reference set seen as a zarr v2 store, key by key: what the app engine answers at
 * `/zarr/<id>/<key>` (chunks as stored, codecs as in the references) and at
 * `/zarr-decoded/<id>/<key>` (the same store with every chunk decoded and no codecs, for
 * readers without imagecodecs), and over RPC as `get_item` / `contains_item`.
 *
 * A key the store lacks is `undefined` (a 404 over HTTP, a KeyError over RPC): zarr readers
 * take a missing chunk for the fill value, so a chunk that exists but fails to read must throw.
 */
import { decodeZarrChunk } from '../codecs/decode.js';
import type { CodecConfig } from '../codecs/tiff-map.js';
import type { ByteLru } from '../io/byte-lru.js';
import type { ReferenceStore } from '../reference/open.js';

export type ZarrMode = 'stored' | 'decoded';

interface V2Meta {
  compressor: CodecConfig | null;
  filters: CodecConfig[] | null;
  chunks: number[];
  dtype: string;
  [key: string]: unknown;
}

const META_FILES = ['.zgroup', '.zattrs', '.zarray'];
const isMeta = (key: string) => META_FILES.some((m) => key === m || key.endsWith('/' + m));
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

export class ZarrView {
  private metas = new Map<string, Promise<V2Meta | undefined>>();

  /**
   * @param member turns a key's referenced bytes into the key's content, where the references
   * point at something else (a DEFLATE-compressed ZIP member: its compressed bytes)
   */
  constructor(
    readonly store: ReferenceStore,
    readonly mode: ZarrMode,
    private member: (key: string, bytes: Uint8Array) => Uint8Array = (_, b) => b,
    /**
     * Recently served keys (shared by the views of a folder, keyed by the caller's prefix): a
     * server answers the chunks in view again and again, and a read or a decode costs far more
     * than a map lookup (nginx has the page cache and sendfile for that).
     */
    private cache?: { lru: ByteLru; prefix: string },
  ) {}

  /** Whether the store has `key` (without reading a chunk). */
  has(key: string): boolean {
    const k = normalize(key);
    if (k === '.zmetadata') return true;
    return this.store.has(k);
  }

  /** The bytes of `key` when they are among the recently served ones, else undefined. */
  recent(key: string): Uint8Array | undefined {
    return this.cache?.lru.get(this.cacheKey(normalize(key)));
  }

  private cacheKey(k: string): string {
    return `${this.cache!.prefix}${this.mode}\n${k}`;
  }

  /** The bytes of `key`, or undefined when the store has no such key. */
  async get(key: string): Promise<Uint8Array | undefined> {
    const k = normalize(key);
    if (!this.cache) return this.fetch(k);
    const ck = this.cacheKey(k);
    const hit = this.cache.lru.get(ck);
    if (hit) return hit;
    let b = await this.fetch(k);
    // a view into a larger read (coalesced neighbours) would keep all of it alive: own bytes only
    if (b && b.byteLength !== b.buffer.byteLength) b = b.slice();
    if (b) this.cache.lru.set(ck, b);
    return b;
  }

  private async fetch(k: string): Promise<Uint8Array | undefined> {
    if (k === '.zmetadata' && !this.store.has(k)) return encode(await this.consolidated());
    if (!this.store.has(k)) return undefined;
    if (this.mode === 'stored') return this.read(k);
    if (k.endsWith('.zarray')) {
      const meta = await this.meta(k.slice(0, -'.zarray'.length).replace(/\/$/, ''));
      return meta && encode({ ...meta, compressor: null, filters: null });
    }
    const bytes = await this.read(k);
    if (bytes === undefined || isMeta(k)) return bytes;
    const array = await this.arrayOf(k);
    // a key that is neither metadata nor inside an array (a stray file of a zipped store) as it is
    if (!array) return bytes;
    const meta = (await this.meta(array))!;
    return decodeZarrChunk(meta, bytes);
  }

  private async read(key: string): Promise<Uint8Array | undefined> {
    const b = await this.store.get(key);
    return b && this.member(key, b);
  }

  /** Every key of the store (the consolidated `.zmetadata` included). */
  keys(): string[] {
    const keys = this.store.keys();
    return keys.includes('.zmetadata') ? keys : [...keys, '.zmetadata'];
  }

  /** zarr's consolidated metadata: one request instead of one per array for `zarr.open_consolidated`. */
  private async consolidated(): Promise<{ zarr_consolidated_format: 1; metadata: Record<string, unknown> }> {
    const metadata: Record<string, unknown> = {};
    for (const k of this.store.keys()) {
      if (!isMeta(k)) continue;
      const b = await this.get(k);
      if (b) metadata[k] = JSON.parse(new TextDecoder().decode(b));
    }
    return { zarr_consolidated_format: 1, metadata };
  }

  /** The `.zarray` of the array at `path` ('' = the root), parsed once. */
  private meta(path: string): Promise<V2Meta | undefined> {
    let m = this.metas.get(path);
    if (!m) {
      const key = path ? `${path}/.zarray` : '.zarray';
      m = this.store.get(key).then((b) => (b ? (JSON.parse(new TextDecoder().decode(b)) as V2Meta) : undefined));
      this.metas.set(path, m);
    }
    return m;
  }

  /** The array a chunk key belongs to: the longest parent folder with a `.zarray`. */
  private async arrayOf(key: string): Promise<string | undefined> {
    const parts = key.split('/');
    for (let n = parts.length - 1; n >= 0; n--) {
      const path = parts.slice(0, n).join('/');
      if (this.store.has(path ? `${path}/.zarray` : '.zarray')) return path;
    }
    return undefined;
  }
}

const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;
/** A key with nothing to normalize: not empty, no leading or trailing slash, no empty or dot segment. */
const plain = (key: string) => key !== '' && key[0] !== '/' && key[key.length - 1] !== '/' && !key.includes('//') && !DOT_SEGMENT.test(key);

/** Keys as zarr readers send them: no leading slash, no empty segments, no `.`/`..`. */
function normalize(key: string): string {
  // most keys (`0/1.2.3`) are plain already: one test instead of a split, a filter and a join
  if (plain(key)) return key;
  const parts = key.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return '\0invalid'; // never a key of a store
  return parts.join('/');
}
