/**
 * What the engine can serve by content id (`GET /ipfs/<cid>`): files of described resources and
 * documents it made (reference JSON), each under the CIDv1 of its bytes. The same bytes in several
 * places are one id with several places to read them from.
 */
import crypto from 'node:crypto';
import { cidOfSha256 } from './cid.js';

export type ContentPlace = { file: string } | { bytes: Uint8Array };

/** Documents kept in memory at most (reference JSON of many images): oldest go first. */
const MAX_DOCUMENT_BYTES = 256 * 2 ** 20;

export class ContentIndex {
  private places = new Map<string, ContentPlace[]>();
  private documentBytes = 0;
  private documents: string[] = [];
  /** Documents already hashed (the same bytes handed in again: a cached /refs/ answer). */
  private known = new WeakMap<Uint8Array, string>();

  addFile(cid: string, file: string): void {
    const list = this.places.get(cid) ?? [];
    if (!list.some((p) => 'file' in p && p.file === file)) list.push({ file });
    this.places.set(cid, list);
  }

  /** Keeps `bytes` (a document the engine made) under their content id, and returns it. */
  addBytes(bytes: Uint8Array): string {
    const seen = this.known.get(bytes);
    if (seen && this.places.has(seen)) return seen;
    const cid = cidOfSha256(crypto.createHash('sha256').update(bytes).digest());
    this.known.set(bytes, cid);
    const list = this.places.get(cid) ?? [];
    if (!list.some((p) => 'bytes' in p)) {
      list.push({ bytes });
      this.documentBytes += bytes.length;
      this.documents.push(cid);
      while (this.documentBytes > MAX_DOCUMENT_BYTES && this.documents.length > 1) this.dropDocument(this.documents.shift()!);
    }
    this.places.set(cid, list);
    return cid;
  }

  private dropDocument(cid: string) {
    const list = this.places.get(cid) ?? [];
    const keep = list.filter((p) => !('bytes' in p));
    for (const p of list) if ('bytes' in p) this.documentBytes -= p.bytes.length;
    if (keep.length) this.places.set(cid, keep);
    else this.places.delete(cid);
  }

  lookup(cid: string): ContentPlace[] {
    return this.places.get(cid) ?? [];
  }
}
