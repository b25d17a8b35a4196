/**
 * Content ids: CIDv1, raw codec, sha2-256 (what `ipfs add --raw-leaves --cid-version 1` gives a
 * file of one block), in base32 — a link that names exact bytes. The digest is computed by the
 * caller (streamed: Node's crypto over a file), multiformats only assembles and parses the id.
 */
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import * as raw from 'multiformats/codecs/raw';

export function cidOfSha256(digest: Uint8Array): string {
  return CID.createV1(raw.code, Digest.create(sha256.code, digest)).toString();
}

/** The sha2-256 digest a raw CIDv1 names, or undefined when the text is no such CID. */
export function sha256OfCid(text: string): Uint8Array | undefined {
  try {
    const cid = CID.parse(text);
    if (cid.version !== 1 || cid.code !== raw.code || cid.multihash.code !== sha256.code) return undefined;
    return cid.multihash.digest;
  } catch {
    return undefined;
  }
}
