/**
 * Remote files fetched once and kept on disk, up to a total size (least recently used go first):
 * the engine's copy of RDF files from Zenodo/GitHub/S3, served with Range and by content id.
 * Each entry is `<sha256 of the URL>` plus `<…>.json` ({url, size, sha256}); the index is read
 * back at start-up, so a restart keeps the cache.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface CachedFile {
  url: string;
  file: string;
  size: number;
  /** sha2-256 of the content, hex. */
  sha256: string;
}

export class DiskCache {
  private index = new Map<string, CachedFile & { used: number }>();
  private pending = new Map<string, Promise<CachedFile>>();
  hits = 0;
  misses = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    /** Largest single file fetched (a bigger one is refused before its body is read). */
    readonly maxFileBytes = Math.min(maxBytes, 2 ** 31),
  ) {
    fs.mkdirSync(dir, { recursive: true });
    for (const n of fs.readdirSync(dir)) {
      if (!n.endsWith('.json')) continue;
      try {
        const meta = JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as CachedFile;
        const file = path.join(dir, n.slice(0, -5));
        if (fs.statSync(file).size === meta.size) this.index.set(meta.url, { ...meta, file, used: 0 });
      } catch {
        // a half-written entry from a killed process: ignored, and overwritten when fetched again
      }
    }
  }

  get totalBytes(): number {
    let n = 0;
    for (const e of this.index.values()) n += e.size;
    return n;
  }

  /** The cached copy of `url`, fetched with `fetchFn` when absent. */
  get(url: string, fetchFn: typeof fetch): Promise<CachedFile> {
    const hit = this.index.get(url);
    if (hit && fs.existsSync(hit.file)) {
      this.hits++;
      hit.used = Date.now();
      return Promise.resolve(hit);
    }
    let p = this.pending.get(url);
    if (!p) {
      this.misses++;
      p = this.fetchInto(url, fetchFn).finally(() => this.pending.delete(url));
      this.pending.set(url, p);
    }
    return p;
  }

  private async fetchInto(url: string, fetchFn: typeof fetch): Promise<CachedFile> {
    const name = url.split('?')[0];
    const res = await fetchFn(url);
    if (!res.ok || !res.body) throw new Error(`${name}: HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > this.maxFileBytes) throw new Error(`${name}: ${declared} bytes, more than the cache takes per file (${this.maxFileBytes})`);
    const key = crypto.createHash('sha256').update(url).digest('hex');
    const file = path.join(this.dir, key);
    const tmp = `${file}.${process.pid}.partial`;
    const hash = crypto.createHash('sha256');
    let size = 0;
    const limit = this.maxFileBytes;
    try {
      await pipeline(
        Readable.fromWeb(res.body as never),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length;
            if (size > limit) throw new Error(`${name}: more than ${limit} bytes, the cache's limit per file`);
            hash.update(chunk);
            yield chunk;
          }
        },
        fs.createWriteStream(tmp),
      );
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    const entry = { url, file, size, sha256: hash.digest('hex') };
    this.evictFor(size);
    fs.renameSync(tmp, file);
    fs.writeFileSync(`${file}.json`, JSON.stringify({ url, size, sha256: entry.sha256 }));
    this.index.set(url, { ...entry, used: Date.now() });
    return entry;
  }

  /** Least recently used entries out until `incoming` more bytes fit. */
  private evictFor(incoming: number) {
    let total = this.totalBytes;
    const byAge = [...this.index.values()].sort((a, b) => a.used - b.used);
    for (const e of byAge) {
      if (total + incoming <= this.maxBytes) break;
      fs.rmSync(e.file, { force: true });
      fs.rmSync(`${e.file}.json`, { force: true });
      this.index.delete(e.url);
      total -= e.size;
    }
  }
}
