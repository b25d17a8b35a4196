/**
 * The engine's resource collection: BioImage.IO RDFs from a folder, a `collection.json` (local or
 * URL) — each validated by the RDF Inspector's validator, with every file it references described
 * by a content id (CIDv1 raw sha2-256) and served from the collection folder or a disk cache of
 * its origin (Zenodo, GitHub, S3: the origin allowlist).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { openNodeSource } from '../io/open-node.js';
import { type CollectionEntry, readCollection } from '../rdf/collection.js';
import { listFileRefs } from '../rdf/files.js';
import { validateLoaded } from '../rdf/full.js';
import { isHttpUrl, loadRdf, type LoadedRdf, resolveRef } from '../rdf/load.js';
import { nodeFileAccess, nodeReadFile } from '../rdf/node.js';
import type { RdfIssue } from '../rdf/types.js';
import { cidOfSha256 } from './cid.js';
import { ContentIndex } from './content.js';
import type { DiskCache } from './disk-cache.js';
import type { ModelRef } from './model-worker.js';
import { guardedFetch, type OriginPolicy } from './origins.js';

interface ResourceFile {
  /** Dotted path of the RDF field, e.g. `weights.onnx.source`. */
  path: string;
  /** The reference as the RDF writes it. */
  ref: string;
  kind: string;
  size?: number;
  cid?: string;
  /** Why the file could not be described (missing, refused origin, too large). */
  error?: string;
}

export interface Resource {
  id: string;
  type: string;
  name: string;
  description: string;
  rdf_source: string;
  rdf: unknown;
  /** The validator's verdict: format and referenced files, as `imjoy-share rdf validate`. */
  verdict: { valid: boolean; files_ok: boolean; errors: string[]; warnings: string[] };
  /** The RDF file itself (first) and every file it references, with content ids. */
  files: ResourceFile[];
}

/** Not part of the collection (a 404), unlike a resource that fails to load (an error). */
export class UnknownResource extends Error {}

export interface CollectionOptions {
  /** A folder (its collection.json, or every rdf.yaml/bioimageio.yaml below it), a collection JSON file, or its URL. */
  source: string;
  policy: OriginPolicy;
  cache: DiskCache;
  /** Where described files are registered by content id (shared with other parts of the engine). */
  content?: ContentIndex;
  /** Largest local file hashed for a content id (bigger ones are described without one). */
  maxHashBytes?: number;
}

const RDF_NAMES = /^(rdf|bioimageio)\.yaml$|\.bioimageio\.yaml$/;

/**
 * A collection document: JSON as `readCollection` takes it, or a list of RDF URLs (a JSON array of
 * strings, or a text file with one per line; `#` starts a comment), each named by its URL.
 */
function collectionOf(text: string, base: string): CollectionEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = text.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  }
  if (Array.isArray(data) && data.length && data.every((x) => typeof x === 'string')) {
    return (data as string[]).map((u) => {
      const loc = resolveRef(base, u);
      const id = loc.replace(/^https?:\/\//, '').split('?')[0]!.replace(/\/[^/]*$/, '') || loc;
      return { id, type: 'unknown', name: id, description: '', tags: [], authors: [], rdf_source: loc };
    });
  }
  return readCollection(data, base);
}

/** type, name and description of an RDF file for a listing (the full check comes with `get`). */
function summaryOf(file: string, id: string): { type: string; name: string; description: string } {
  try {
    if (fs.statSync(file).size > 2 ** 20) throw new Error('too large for a listing');
    const d = parseYaml(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const str = (v: unknown, dflt: string) => (typeof v === 'string' ? v : dflt);
    return { type: str(d?.type, 'unknown'), name: str(d?.name, id), description: str(d?.description, '') };
  } catch {
    return { type: 'unknown', name: id, description: '' }; // `get` says what is wrong with it
  }
}

/** Where a file of a resource is: a local path inside the collection, or an allowed URL. */
interface Located {
  location: string;
  local: boolean;
}

export class ResourceCollection {
  private entriesP?: Promise<CollectionEntry[]>;
  private resources = new Map<string, Promise<Resource>>();
  /** Where the bytes of each content id are (local files, cached copies). */
  readonly content: ContentIndex;
  /** `id\nref` → the file on this disk with the bytes of that reference. */
  private located = new Map<string, string>();
  private readonly fetch: typeof fetch;
  /** Local files must lie below this folder (undefined: a remote collection, no local files). */
  private readonly root?: string;

  constructor(readonly opts: CollectionOptions) {
    this.fetch = guardedFetch(opts.policy);
    this.content = opts.content ?? new ContentIndex();
    if (!isHttpUrl(opts.source)) {
      const abs = path.resolve(opts.source);
      this.root = fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory() ? abs : path.dirname(abs);
    }
  }

  /** A location as clients see it: relative to the collection folder (the server's folders are its own). */
  publicLocation(loc: string): string {
    if (!this.root || isHttpUrl(loc)) return loc;
    return path.relative(this.root, loc).split(path.sep).join('/');
  }

  /** The entries as clients see them (`publicLocation` for rdf_source). */
  async publicEntries(): Promise<CollectionEntry[]> {
    return (await this.entries()).map((e) => ({ ...e, ...(e.rdf_source ? { rdf_source: this.publicLocation(e.rdf_source) } : {}) }));
  }

  entries(): Promise<CollectionEntry[]> {
    this.entriesP ??= this.loadEntries();
    // a failed load is retried at the next request (the origin may be back)
    this.entriesP.catch(() => (this.entriesP = undefined));
    return this.entriesP;
  }

  private async loadEntries(): Promise<CollectionEntry[]> {
    const src = this.opts.source;
    if (isHttpUrl(src)) {
      const res = await this.fetch(src);
      if (!res.ok) throw new Error(`${src.split('?')[0]}: HTTP ${res.status}`);
      return collectionOf(await res.text(), src);
    }
    const abs = path.resolve(src);
    const json = fs.statSync(abs).isDirectory() ? path.join(abs, 'collection.json') : abs;
    if (fs.existsSync(json)) return collectionOf(fs.readFileSync(json, 'utf8'), path.dirname(json) + '/');
    // a folder without collection.json: every RDF below it, named by its folder
    const out: CollectionEntry[] = [];
    const walk = (dir: string, depth: number) => {
      for (const n of fs.readdirSync(dir).sort()) {
        if (n.startsWith('.')) continue;
        const p = path.join(dir, n);
        const st = fs.statSync(p, { throwIfNoEntry: false });
        if (st?.isDirectory() && depth < 4) walk(p, depth + 1);
        else if (st?.isFile() && RDF_NAMES.test(n)) {
          // named by its folder; a second RDF of a folder (x.bioimageio.yaml) by folder/x
          const rel = path.relative(abs, p).split(path.sep);
          const folder = rel.slice(0, -1).join('/');
          const own = /^(rdf|bioimageio)\.yaml$/.test(n) ? '' : n.replace(/\.(bioimageio\.)?yaml$/, '');
          const id = [folder, own].filter(Boolean).join('/') || n.replace(/\.yaml$/, '');
          out.push({ id, ...summaryOf(p, id), tags: [], authors: [], rdf_source: p });
        }
      }
    };
    walk(abs, 0);
    return out;
  }

  async get(id: string): Promise<Resource> {
    const entry = (await this.entries()).find((e) => e.id === id);
    if (!entry) throw new UnknownResource(`no resource ${id} in the collection; list_resources() names them`);
    let r = this.resources.get(id);
    if (!r) {
      // an entry known by its URL only learns its type (and name) from the RDF
      r = this.describe(entry).then((res) => {
        if (entry.type === 'unknown') Object.assign(entry, { type: res.type, name: res.name, description: res.description });
        return res;
      });
      this.resources.set(id, r);
      r.catch(() => this.resources.delete(id));
    }
    return r;
  }

  /** A collection entry's RDF location, checked: inside the collection folder or an allowed URL. */
  private locate(ref: string, base: string): Located {
    const loc = resolveRef(base, ref);
    if (isHttpUrl(loc)) {
      this.opts.policy.check(loc);
      return { location: loc, local: false };
    }
    const abs = path.resolve(loc.startsWith('file://') ? new URL(loc).pathname : loc);
    if (!this.root || !(abs === this.root || abs.startsWith(this.root + path.sep))) throw new Error(`${ref}: outside the collection folder`);
    return { location: abs, local: true };
  }

  private async loadRdf(entry: CollectionEntry): Promise<LoadedRdf> {
    if (!entry.rdf_source) throw new Error(`${entry.id}: the collection gives no rdf_source`);
    const { location } = this.locate(entry.rdf_source, '');
    return loadRdf(location, { fetch: this.fetch, readFile: (p, max) => nodeReadFile(this.locate(p, '').location, max) });
  }

  private async describe(entry: CollectionEntry): Promise<Resource> {
    const loaded = await this.loadRdf(entry);
    const node = nodeFileAccess();
    const report = await validateLoaded(loaded, {
      hashes: true,
      access: {
        ...node,
        // the validator's file checks obey the same rules as serving
        open: (loc) => {
          const l = this.locate(loc, '');
          return l.local ? openNodeSource(l.location) : openNodeSource(l.location, { fetch: this.fetch });
        },
      },
    });
    const data = (loaded.parsed.data ?? {}) as Record<string, unknown>;
    const rdfFile: ResourceFile = { path: '', ref: path.basename(loaded.location.split('?')[0]!), kind: 'rdf' };
    const refs = [rdfFile, ...listFileRefs(data).map((f) => ({ path: f.path, ref: f.ref, kind: f.kind }) as ResourceFile)];
    const seen = new Map<string, ResourceFile>();
    const files: ResourceFile[] = [];
    for (const f of refs) {
      const known = seen.get(f.ref);
      if (known) {
        files.push({ ...f, size: known.size, cid: known.cid, error: known.error });
        continue;
      }
      try {
        const { file, sha256, size } = await this.materialize(f.ref, loaded.baseUrl);
        const cid = cidOfSha256(Buffer.from(sha256, 'hex'));
        this.content.addFile(cid, file);
        this.located.set(`${entry.id}\n${f.ref}`, file);
        Object.assign(f, { size, cid });
      } catch (e) {
        f.error = (e as Error).message;
      }
      seen.set(f.ref, f);
      files.push(f);
    }
    const msg = (i: RdfIssue) => `${i.path || '(root)'}: ${i.message}`;
    return {
      id: entry.id,
      type: typeof data.type === 'string' ? data.type : entry.type,
      name: typeof data.name === 'string' ? data.name : entry.name,
      description: typeof data.description === 'string' ? data.description : entry.description,
      rdf_source: this.publicLocation(loaded.location),
      rdf: data,
      verdict: {
        valid: report.valid,
        files_ok: report.files.errors.length === 0,
        errors: [...report.format.errors, ...report.files.errors].map(msg),
        warnings: [...report.format.warnings, ...report.files.warnings].map(msg),
      },
      files,
    };
  }

  /** A referenced file on this disk (the collection's own, or a cached copy) with its sha256. */
  private async materialize(ref: string, base: string): Promise<{ file: string; sha256: string; size: number }> {
    const l = this.locate(ref, base);
    if (!l.local) {
      const c = await this.opts.cache.get(l.location, this.fetch);
      return { file: c.file, sha256: c.sha256, size: c.size };
    }
    const st = fs.statSync(l.location, { throwIfNoEntry: false });
    if (!st?.isFile()) throw new Error(`${ref}: no such file`);
    if (st.size > (this.opts.maxHashBytes ?? 2 ** 33)) throw new Error(`${ref}: ${st.size} bytes, too large to hash here`);
    const hash = crypto.createHash('sha256');
    for await (const chunk of fs.createReadStream(l.location, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    return { file: l.location, sha256: hash.digest('hex'), size: st.size };
  }

  /**
   * How the model runner opens resource `id`: its RDF (local path or URL, checked as any file of
   * the collection) and the rules for the files it references.
   */
  async modelRef(id: string): Promise<ModelRef> {
    let entry = (await this.entries()).find((e) => e.id === id);
    if (entry?.type === 'unknown') await this.get(id).catch(() => undefined);
    entry = (await this.entries()).find((e) => e.id === id);
    if (!entry?.rdf_source || entry.type !== 'model') throw new UnknownResource(`no model ${id} in the collection; list_models() names them`);
    const { location } = this.locate(entry.rdf_source, '');
    return { key: id, location, root: this.root, origins: this.opts.policy.patterns };
  }

  /** The local file behind `ref` of resource `id` (only references the RDF makes are served). */
  async file(id: string, ref: string): Promise<string | undefined> {
    const r = await this.get(id);
    const f = r.files.find((x) => x.ref === ref && !x.error);
    if (!f?.cid) return undefined;
    return this.located.get(`${id}\n${ref}`);
  }
}
