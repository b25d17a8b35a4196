/**
 * A zipped Zarr store (zarr v2, or v3 / NGFF RFC-9 `.ozx`) → kerchunk v1 references.
 *
 * Each chunk becomes `["{{u}}", offset, length]` of the archive itself, which works only for
 * STORED members (ZIP compression would have to be undone for the whole member). Metadata
 * members may be compressed: they are inflated and inlined. The output root is always a zarr v2
 * group with NGFF 0.4 multiscales and omero, whatever the input's version, so Python's
 * fsspec + zarr 2 and zarrita/Vizarr read the same thing.
 */
import { SourceError, type ByteSource } from '../io/byte-source.js';
import { readRanges } from '../io/coalesce.js';
import type { ProgressCallback } from '../progress.js';
import { listZip, readEntries, ZIP_STORED, type ZipEntry } from '../zip/zip.js';
import { normalizeImageAttrs, type LevelInfo } from '../ngff/v04.js';
import { emptyReferences, setJson, type References } from './types.js';
import { v3ToV2, type V2ArrayMeta, type V3ArrayMeta, type V3Layout } from './zarr-v3.js';

export interface ZipReferenceOptions {
  /** What `templates.u` holds: the URL the archive will be read from. */
  url: string;
  onProgress?: ProgressCallback;
  /**
   * For a reader that inflates members itself (the app engine): DEFLATE-compressed chunk members
   * are referenced too (their compressed bytes), and listed here by reference key. Without it they
   * are refused, as kerchunk readers cannot inflate a byte range.
   */
  inflated?: Map<string, ZipEntry>;
}

type Json = Record<string, unknown>;
const METADATA = new Set(['.zgroup', '.zarray', '.zattrs', 'zarr.json', '.zmetadata']);

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const dirname = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const join = (a: string, b: string) => (a && b ? `${a}/${b}` : a || b);

/** Finds the store root: the archive root, or its one top-level folder. */
function storeRoot(names: string[], source: ByteSource): string {
  const isRoot = (p: string) => ['.zgroup', '.zarray', 'zarr.json'].some((m) => names.includes(p + m));
  if (isRoot('')) return '';
  const tops = new Set(names.map((n) => n.split('/')[0]));
  if (tops.size === 1) {
    const top = [...tops][0] + '/';
    if (isRoot(top)) return top;
  }
  throw new SourceError(source.name, 'no Zarr store in this ZIP: expected .zgroup, .zarray or zarr.json at the archive root or in one top-level folder');
}

function rezipAdvice(member: string) {
  return `ZIP member ${member} is compressed (${'deflate'}); only stored (uncompressed) members can be referenced by byte range. Re-zip without compression, e.g. \`cd store.zarr && zip -0 -r ../store.zip .\`, or write it with zarr.storage.ZipStore(path, mode="w", compression=zipfile.ZIP_STORED)`;
}

interface Node {
  path: string;
  kind: 'group' | 'array';
  attrs: Json;
  /** v2 array metadata (converted from v3 when needed). */
  v2?: V2ArrayMeta;
  v3?: V3Layout;
}

function parseJson(bytes: Uint8Array, member: string, source: ByteSource): Json {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as Json;
  } catch (e) {
    throw new SourceError(source.name, `ZIP member ${member} is not valid JSON (${(e as Error).message})`);
  }
}

/** The store's groups and arrays from its metadata members (v3 arrays converted to v2). */
function nodesOf(meta: Map<string, Json>, source: ByteSource, prefix: string): { nodes: Map<string, Node>; v3: boolean } {
  const nodes = new Map<string, Node>();
  const v3 = meta.has('zarr.json');
  for (const [key, doc] of meta) {
    const path = dirname(key);
    const base = basename(key);
    if (v3 && base === 'zarr.json') {
      if (doc.node_type !== 'array') {
        nodes.set(path, { path, kind: 'group', attrs: (doc.attributes as Json) ?? {} });
        continue;
      }
      let layout: V3Layout;
      try {
        layout = v3ToV2(doc as unknown as V3ArrayMeta, `${source.name}: ${prefix + key}`);
      } catch (e) {
        throw new SourceError(source.name, (e as Error).message.replace(`${source.name}: `, ''));
      }
      const attrs = { ...((doc.attributes as Json) ?? {}) };
      const names = (doc as unknown as V3ArrayMeta).dimension_names;
      if (names?.every((n) => typeof n === 'string')) attrs._ARRAY_DIMENSIONS = names;
      nodes.set(path, { path, kind: 'array', attrs, v2: layout.v2, v3: layout });
    } else if (!v3 && base !== 'zarr.json') {
      const node = nodes.get(path) ?? { path, kind: 'group', attrs: {} };
      if (base === '.zarray') {
        node.kind = 'array';
        const m = doc as unknown as V2ArrayMeta;
        node.v2 = { ...m, dimension_separator: m.dimension_separator ?? '.', filters: m.filters ?? null };
      } else if (base === '.zattrs') node.attrs = doc;
      nodes.set(path, node);
    }
  }
  return { nodes, v3 };
}

/**
 * The image: the shallowest group with multiscales (covers bioformats2raw's "0/" layout), else a
 * root array or the root group's child arrays, largest first.
 */
function imageOf(nodes: Map<string, Node>, v3: boolean, source: ByteSource): { attrs: Json; levels: Node[] } {
  const hasMs = (n: Node) => n.kind === 'group' && (Array.isArray(n.attrs.multiscales) || Array.isArray((n.attrs.ome as Json | undefined)?.multiscales));
  const image = [...nodes.values()].filter(hasMs).sort((a, b) => a.path.split('/').length - b.path.split('/').length || a.path.length - b.path.length)[0];
  let levelPaths: string[];
  let attrs: Json;
  let imagePath = '';
  const root = nodes.get('');
  if (image) {
    imagePath = image.path;
    attrs = image.attrs;
    const src = (image.attrs.ome as Json | undefined) ?? image.attrs;
    const ds = ((src.multiscales as Json[])[0].datasets ?? []) as Json[];
    levelPaths = ds.map((d) => String(d.path));
  } else if (root?.kind === 'array') {
    attrs = {};
    levelPaths = [''];
  } else {
    attrs = root?.attrs ?? {};
    const size = (n: Node) => n.v2!.shape.reduce((a, b) => a * b, 1);
    levelPaths = [...nodes.values()]
      .filter((n) => n.kind === 'array' && !n.path.includes('/') && n.path !== '')
      .sort((a, b) => size(b) - size(a))
      .map((n) => n.path);
  }
  const levels = levelPaths.map((p) => {
    const n = nodes.get(join(imagePath, p));
    if (n?.kind !== 'array') throw new SourceError(source.name, `multiscales dataset "${p}" is not an array in this ZIP (no ${join(imagePath, p) ? join(imagePath, p) + '/' : ''}${v3 ? 'zarr.json' : '.zarray'})`);
    return n;
  });
  if (levels.length === 0) throw new SourceError(source.name, 'no arrays found in the Zarr store');
  return { attrs, levels };
}

/** The chunk members of a level: grid coordinates and the member holding each chunk. */
function levelChunks(lv: Node, byRel: Map<string, ZipEntry>, source: ByteSource, opts: ZipReferenceOptions): { chunks: [number[], ZipEntry][]; members: number } {
  const dir = lv.path ? lv.path + '/' : '';
  const ndim = lv.v2!.shape.length;
  const members = [...byRel.entries()].filter(([k]) => k.startsWith(dir) && !METADATA.has(basename(k)));
  const chunks: [number[], ZipEntry][] = [];
  for (const [k, e] of members) {
    const rest = k.slice(dir.length);
    let coords: number[] | undefined;
    if (lv.v3) coords = lv.v3.parseKey(rest);
    else {
      const parts = rest.split(lv.v2!.dimension_separator);
      coords = parts.length === ndim && parts.every((p) => /^\d+$/.test(p)) ? parts.map(Number) : undefined;
    }
    if (!coords) continue;
    if (e.encrypted) throw new SourceError(source.name, `ZIP member ${e.name} is encrypted`);
    if (e.method !== ZIP_STORED && !(opts.inflated && !lv.v3?.shard)) throw new SourceError(source.name, rezipAdvice(e.name));
    chunks.push([coords, e]);
  }
  return { chunks, members: members.length };
}

export async function zipReferences(source: ByteSource, opts: ZipReferenceOptions): Promise<References> {
  const { entries } = await listZip(source);
  const files = entries.filter((e) => !e.isDirectory);
  const prefix = storeRoot(files.map((e) => e.name), source);
  const byRel = new Map<string, ZipEntry>();
  for (const e of files) if (e.name.startsWith(prefix)) byRel.set(e.name.slice(prefix.length), e);

  const metaKeys = [...byRel.keys()].filter((k) => METADATA.has(basename(k)) && basename(k) !== '.zmetadata');
  const metaBytes = await readEntries(source, metaKeys.map((k) => byRel.get(k)!));
  const meta = new Map(metaKeys.map((k, i) => [k, parseJson(metaBytes[i], prefix + k, source)]));
  const { nodes, v3 } = nodesOf(meta, source, prefix);
  const { attrs: imageAttrs, levels } = imageOf(nodes, v3, source);

  const refs = emptyReferences(opts.url);
  setJson(refs, '.zgroup', { zarr_format: 2 });
  const info: LevelInfo[] = levels.map((n, i) => ({ path: String(i), shape: n.v2!.shape, dtype: n.v2!.dtype }));
  const srcAttrs = structuredClone(imageAttrs);
  // Renumber the dataset paths to "0", "1", … in our output, keeping their transforms.
  const ms = ((srcAttrs.ome as Json | undefined) ?? srcAttrs).multiscales as Json[] | undefined;
  if (ms?.[0]?.datasets) (ms[0].datasets as Json[]).forEach((d, i) => (d.path = String(i)));
  let rootAttrs: Json;
  try {
    rootAttrs = normalizeImageAttrs(srcAttrs, info, basename(source.name).replace(/\.(zip|ozx)$/i, ''));
  } catch (e) {
    throw new SourceError(source.name, (e as Error).message);
  }
  setJson(refs, '.zattrs', rootAttrs);
  const axisNames = ((rootAttrs.multiscales as Json[])[0].axes as { name: string }[]).map((a) => a.name);

  const total = byRel.size;
  let done = 0;
  for (const [i, lv] of levels.entries()) {
    const out = String(i);
    setJson(refs, `${out}/.zarray`, lv.v2);
    const { _ARRAY_DIMENSIONS: _, ...attrs } = lv.attrs;
    setJson(refs, `${out}/.zattrs`, { ...attrs, _ARRAY_DIMENSIONS: axisNames });
    const { chunks, members } = levelChunks(lv, byRel, source, opts);
    if (lv.v3?.shard) {
      await addShardRefs(source, refs, out, lv.v3.shard, chunks);
    } else {
      const sep = lv.v2!.dimension_separator;
      for (const [c, e] of chunks) {
        const key = `${out}/${c.join(sep)}`;
        refs.refs[key] = ['{{u}}', e.dataOffset, e.compressedSize];
        if (e.method !== ZIP_STORED) opts.inflated!.set(key, e);
      }
    }
    done += members;
    opts.onProgress?.(Math.min(done, total), total, 'chunks');
  }
  opts.onProgress?.(total, total, 'chunks');
  return refs;
}

/** Every inner chunk of every shard becomes its own byte range (read from the shard indexes). */
async function addShardRefs(
  source: ByteSource,
  refs: References,
  out: string,
  shard: NonNullable<V3Layout['shard']>,
  chunks: [number[], ZipEntry][],
) {
  const per = shard.shardShape.map((s, i) => s / shard.innerShape[i]);
  const n = per.reduce((a, b) => a * b, 1);
  for (const [, e] of chunks) {
    if (e.compressedSize < shard.indexBytes) throw new SourceError(source.name, `shard ${e.name} (${e.compressedSize} bytes) is smaller than its index (${shard.indexBytes} bytes)`);
  }
  const indexes = await readRanges(
    source,
    chunks.map(([, e]) => ({ offset: shard.indexLocation === 'end' ? e.dataOffset + e.compressedSize - shard.indexBytes : e.dataOffset, length: shard.indexBytes })),
  );
  for (const [k, [coords, e]] of chunks.entries()) {
    const dv = new DataView(indexes[k].buffer, indexes[k].byteOffset, indexes[k].byteLength);
    for (let j = 0; j < n; j++) {
      const lo = dv.getUint32(j * 16, true), hi = dv.getUint32(j * 16 + 4, true);
      const llo = dv.getUint32(j * 16 + 8, true), lhi = dv.getUint32(j * 16 + 12, true);
      if (lo === 0xffffffff && hi === 0xffffffff && llo === 0xffffffff && lhi === 0xffffffff) continue; // empty inner chunk
      const offset = hi * 2 ** 32 + lo, length = lhi * 2 ** 32 + llo;
      if (offset + length > e.compressedSize) throw new SourceError(source.name, `shard ${e.name}: inner chunk ${j} (${offset}+${length}) lies outside the shard (${e.compressedSize} bytes)`);
      // j is the C-order position inside the shard.
      const local: number[] = [];
      let r = j;
      for (let d = per.length - 1; d >= 0; d--) {
        local[d] = r % per[d];
        r = Math.floor(r / per[d]);
      }
      const key = coords.map((c, d) => c * per[d] + local[d]).join('.');
      refs.refs[`${out}/${key}`] = ['{{u}}', e.dataOffset + offset, length];
    }
  }
}
