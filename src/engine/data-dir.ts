/**
 * The images of one folder (`imjoy-share serve --data DIR`) as zarr stores, by file name: each
 * TIFF/BigTIFF/OME-TIFF or zipped Zarr is indexed by the reference maker on first use, and the
 * references are kept while the file's size and modification time stay the same.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ByteLru } from '../io/byte-lru.js';
import { openNodeSource } from '../io/open-node.js';
import { makeReferences } from '../reference/make.js';
import type { References } from '../reference/types.js';
import { retemplate } from '../s3/retemplate.js';
import { openReferences, type ReferenceStore } from '../reference/open.js';
import type { ByteSource } from '../io/byte-source.js';
import { decodeEntry, listZip, ZIP_STORED, type ZipEntry } from '../zip/zip.js';
import { HttpSource } from '../io/http-source.js';
import { SliceSource } from '../io/byte-source.js';
import { OriginRefused } from './origins.js';
import { ZarrView, type ZarrMode } from './zarr-view.js';

/** The files served: what the reference maker reads. */
const SERVED = /\.(tiff?|btf|tf2|tf8|zip|ozx)$/i;
/** Sub-folders looked into, and files listed at most (a data folder, not a whole disk). */
const MAX_DEPTH = 3;
const MAX_FILES = 10_000;
const STAT_MS = 1000;

/**
 * A request path below `/zarr/` → the image (up to the first segment named like a served file)
 * and the key within its store.
 */
function splitImagePath(rest: string): { name: string; key: string } | undefined {
  const parts = rest.split('/');
  const i = parts.findIndex((p) => SERVED.test(p));
  if (i < 0) return undefined;
  return { name: parts.slice(0, i + 1).join('/'), key: parts.slice(i + 1).join('/') };
}

export interface DataFile {
  name: string;
  size: number;
}

/** A file that exists but cannot be served as zarr (not a TIFF, deflated zip members, …). */
export class UnservableFile extends Error {}

interface Indexed {
  store: ReferenceStore;
  refs: References;
  /** Members the engine inflates: references others could not read. */
  inflates: boolean;
  member?: (key: string, bytes: Uint8Array) => Uint8Array;
}

interface Entry {
  stamp: string;
  /** When the file's stamp was last compared with the disk (ms). */
  checked: number;
  store: Promise<Indexed>;
  views: Partial<Record<ZarrMode, ZarrView>>;
  /** The last references JSON made for /refs/, and the data URL it points at. */
  refsJson?: { url: string; bytes: Uint8Array };
}

/**
 * An image elsewhere, served under `name`: an http(s) URL (S3 pre-signed ones too) of a TIFF or a
 * zipped Zarr, or `<zip URL>#<member>` for a TIFF stored (uncompressed) inside a ZIP on a file host.
 * Its chunks are fetched by Range from there.
 */
export interface RemoteImage {
  name: string;
  url: string;
}

export class DataDir {
  private entries = new Map<string, Entry>();
  private remote = new Map<string, string>();
  /** Recently served keys of every file (see ZarrView). */
  readonly lru: ByteLru;

  constructor(
    readonly dir: string,
    cacheBytes = 256 * 2 ** 20,
    /** Remote images, fetched with `fetch` (the engine passes its origin-allowlist fetch). */
    private readonly remoteOpts: { images?: RemoteImage[]; fetch?: typeof fetch } = {},
  ) {
    this.lru = new ByteLru(cacheBytes);
    for (const r of remoteOpts.images ?? []) {
      if (!r.name || r.name.includes('/') || r.name.startsWith('.')) throw new Error(`image name "${r.name}": a plain file name is needed (no "/")`);
      if (!/^https?:\/\//i.test(r.url)) throw new Error(`image ${r.name}: ${r.url} is not an http(s) URL`);
      this.remote.set(r.name, r.url);
    }
  }

  /** The servable files, sorted by name (a file in a sub-folder is named `folder/file.tif`). */
  list(): DataFile[] {
    const files: DataFile[] = [];
    const walk = (rel: string, depth: number) => {
      let names: string[];
      try {
        names = fs.readdirSync(path.join(this.dir, rel));
      } catch {
        return;
      }
      for (const n of names) {
        if (n.startsWith('.') || files.length >= MAX_FILES) continue;
        const name = rel ? `${rel}/${n}` : n;
        // stat, not the directory entry: a symlink to an image is an image of the folder
        const stat = fs.statSync(path.join(this.dir, name), { throwIfNoEntry: false });
        if (stat?.isFile() && SERVED.test(n)) files.push({ name, size: stat.size });
        else if (stat?.isDirectory() && depth < MAX_DEPTH) walk(name, depth + 1);
      }
    };
    walk('', 0);
    // remote images have no size until first opened; -1 says unknown
    for (const name of this.remote.keys()) if (!files.some((f) => f.name === name)) files.push({ name, size: -1 });
    return files.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The zarr view of file `name` (relative to DIR, `/`-separated), or undefined when DIR has no
   * such servable file. Hidden files and any `.`/`..` segment are no files of DIR.
   */
  async view(name: string, mode: ZarrMode): Promise<ZarrView | undefined> {
    const recent = this.fresh(name);
    if (recent) return this.viewOf(recent, name, mode);
    let entry = this.entries.get(name);
    const url = this.remote.get(name);
    if (url) {
      // not indexed yet (a remote entry never goes stale)
      const indexing: Entry = { stamp: 'remote', checked: Infinity, store: this.indexRemote(name, url), views: {} };
      this.entries.set(name, indexing);
      indexing.store.catch(() => this.entries.get(name) === indexing && this.entries.delete(name));
      return this.viewOf(indexing, name, mode);
    }
    const parts = name.split('/');
    if (!SERVED.test(name) || parts.length > MAX_DEPTH + 1 || parts.some((p) => !p || p.startsWith('.') || p.includes('\\'))) return undefined;
    const file = path.join(this.dir, name);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return undefined;
    }
    if (!stat.isFile()) return undefined;
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    if (entry && entry.stamp === stamp) entry.checked = Date.now();
    else {
      if (entry) void entry.store.then((s) => s.store.close()).catch(() => {});
      entry = { stamp, checked: Date.now(), store: this.index(file, name), views: {} };
      this.entries.set(name, entry);
      // a failed indexing is not kept: the file may be fixed without changing its size and time
      const failed = entry;
      entry.store.catch(() => this.entries.get(name) === failed && this.entries.delete(name));
    }
    return this.viewOf(entry, name, mode);
  }

  /** The view `view` would give, when it needs no look at the file (checked less than STAT_MS ago). */
  recentView(name: string, mode: ZarrMode): ZarrView | undefined {
    return this.fresh(name)?.views[mode];
  }

  /**
   * The entry of `name` when it needs no look at the file: a file is looked at again at most every
   * STAT_MS (a remote image: never) — a stat per chunk request cost 8 % of the CPU of serving cached chunks.
   */
  private fresh(name: string): Entry | undefined {
    const entry = this.entries.get(name);
    return entry && Date.now() - entry.checked < STAT_MS ? entry : undefined;
  }

  private async viewOf(entry: Entry, name: string, mode: ZarrMode): Promise<ZarrView> {
    const { store, member } = await entry.store;
    // keyed by file and stamp: a file changed on disk never answers from the old one's entries
    entry.views[mode] ??= new ZarrView(store, mode, member, { lru: this.lru, prefix: `${name}\n${entry.stamp}\n` });
    return entry.views[mode];
  }

  private async index(file: string, name: string): Promise<Indexed> {
    const source = openNodeSource(file);
    // a zipped store written by `zip -r` deflates its chunks: the engine inflates them per request
    const inflated = new Map<string, ZipEntry>();
    let refs: References;
    try {
      refs = await makeReferences(source, { url: file, inflated });
    } catch (e) {
      // named by its file name: the server's folders are no business of its clients
      throw new UnservableFile((e as Error).message.split(file).join(name));
    } finally {
      await (source as { close?: () => Promise<void> }).close?.();
    }
    const store = await openReferences(refs, { openSource: (u, o) => openNodeSource(u, o) });
    const named = { name } as ByteSource; // what member errors name
    const member = inflated.size ? (key: string, raw: Uint8Array) => (inflated.has(key) ? decodeEntry(named, inflated.get(key)!, raw) : raw) : undefined;
    return { store, refs, inflates: inflated.size > 0, member };
  }

  /** The local file of `name` when DIR serves it (after `view` checked the name); not for remote images. */
  async file(name: string): Promise<string | undefined> {
    if (this.remote.has(name)) return undefined;
    return (await this.view(name, 'stored')) ? path.join(this.dir, name) : undefined;
  }

  /** A request path below /zarr/ → image and key: a remote image by its name, else a file by its extension. */
  split(rest: string): { name: string; key: string } | undefined {
    for (const name of this.remote.keys()) {
      if (rest === name || rest.startsWith(`${name}/`)) return { name, key: rest.slice(name.length + 1) };
    }
    return splitImagePath(rest);
  }

  /** Where a remote image's references point (its URL), for `references`. */
  remoteUrl(name: string): string | undefined {
    const u = this.remote.get(name);
    return u && !u.includes('#') ? u : undefined;
  }

  private async indexRemote(name: string, url: string): Promise<Indexed> {
    const [fileUrl, member] = url.split('#') as [string, string | undefined];
    const http = new HttpSource(fileUrl, { fetch: this.remoteOpts.fetch });
    let source: ByteSource = http;
    const shown = `${name} (${fileUrl.split('?')[0]}${member ? `#${member}` : ''})`;
    try {
      if (member) {
        const { entries } = await listZip(http);
        const e = entries.find((x) => x.name === decodeURIComponent(member));
        if (!e) throw new Error(`no member ${member} in the ZIP`);
        if (e.method !== ZIP_STORED) throw new Error(`member ${member} is compressed; only a stored (uncompressed) member can be read in place`);
        source = new SliceSource(http, e.dataOffset, e.compressedSize, shown);
      }
      const inflated = new Map<string, ZipEntry>();
      const key = member ? `${fileUrl}#${member}` : fileUrl;
      const refs = await makeReferences(source, { url: key, inflated });
      const store = await openReferences(refs, { openSource: (u) => (u === key ? source : openNodeSource(u, { fetch: this.remoteOpts.fetch })) });
      const named = { name } as ByteSource;
      const memberOf = inflated.size ? (k: string, raw: Uint8Array) => (inflated.has(k) ? decodeEntry(named, inflated.get(k)!, raw) : raw) : undefined;
      return { store, refs, inflates: inflated.size > 0 || !!member, member: memberOf };
    } catch (e) {
      const msg = (e as Error).message;
      // the allowlist's refusal arrives wrapped by the byte source: keep it a refusal (HTTP 403)
      if (e instanceof OriginRefused || /origin not allowed/.test(msg)) throw new OriginRefused(fileUrl);
      throw new UnservableFile(msg.startsWith(name) ? msg : `${shown}: ${msg}`);
    }
  }

  /**
   * The kerchunk references of `name` as JSON, reading the data from `url` (the engine's own
   * /raw/<name>): for fsspec's ReferenceFileSystem, the Reference Viewer, or to pin by content id.
   */
  async references(name: string, url: string): Promise<Uint8Array | undefined> {
    if (!(await this.view(name, 'stored'))) return undefined;
    const entry = this.entries.get(name)!;
    const { refs, inflates } = await entry.store;
    if (inflates) throw new UnservableFile(`${name}: its chunks are DEFLATE-compressed ZIP members (or in a ZIP member), which references cannot point into; read it at /zarr/${name}/`);
    // a remote image's references read from its origin (no detour through the engine)
    const target = this.remoteUrl(name) ?? url;
    // made once per URL (100k+ references are megabytes of JSON), not per request
    if (entry.refsJson?.url !== target) entry.refsJson = { url: target, bytes: new TextEncoder().encode(JSON.stringify(retemplate(refs, target))) };
    return entry.refsJson.bytes;
  }

  async close(): Promise<void> {
    const stores = [...this.entries.values()].map((e) => e.store.then((s) => s.store.close()).catch(() => {}));
    this.entries.clear();
    await Promise.all(stores);
  }
}
