import { open, type FileHandle } from 'node:fs/promises';
import { checkRange, SourceError, type ByteSource } from './byte-source.js';

/** A local file (Node only). The handle opens lazily and stays open until close(). */
export class FileSource implements ByteSource {
  private handle?: Promise<FileHandle>;
  private total?: number;
  constructor(readonly path: string) {}
  get name() {
    return this.path;
  }
  private fh(): Promise<FileHandle> {
    return (this.handle ??= open(this.path, 'r').catch((e: NodeJS.ErrnoException) => {
      this.handle = undefined;
      throw new SourceError(this.path, e.code === 'ENOENT' ? 'no such file' : e.message);
    }));
  }
  async size(): Promise<number> {
    return (this.total ??= (await (await this.fh()).stat()).size);
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, await this.size(), offset, length);
    const buf = new Uint8Array(length);
    const fh = await this.fh();
    let pos = 0;
    while (pos < length) {
      const { bytesRead } = await fh.read(buf, pos, length - pos, offset + pos);
      if (bytesRead === 0) throw new SourceError(this.path, `unexpected end of file at byte ${offset + pos}`);
      pos += bytesRead;
    }
    return buf;
  }
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }
}
