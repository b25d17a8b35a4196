/**
 * One entry point for the reference maker: looks at the first bytes and hands the file to the
 * TIFF (classic/BigTIFF, either byte order) or the ZIP indexer.
 */
import { SourceError, type ByteSource } from '../io/byte-source.js';
import type { ProgressCallback } from '../progress.js';
import { ReferenceBuilder } from './builder.js';
import { tiffReferenceBuilder } from './from-tiff.js';
import { zipReferences, type ZipReferenceOptions } from './from-zip.js';
import type { References } from './types.js';

export interface MakeReferencesOptions {
  /** The URL written to `templates.u`: where readers will fetch the data file. */
  url: string;
  onProgress?: ProgressCallback;
  /** ZIP only: reference DEFLATE-compressed members too, listed here (see `ZipReferenceOptions`). */
  inflated?: ZipReferenceOptions['inflated'];
}

type FileKind = 'tiff' | 'zip';

/** The container kind from the magic bytes, or undefined. */
function sniff(head: Uint8Array): FileKind | undefined {
  const [a, b, c, d] = head;
  if (a === 0x49 && b === 0x49 && (c === 42 || c === 43) && d === 0) return 'tiff'; // II*\0, II+\0 (BigTIFF)
  if (a === 0x4d && b === 0x4d && c === 0 && (d === 42 || d === 43)) return 'tiff'; // MM\0*, MM\0+
  // PK\3\4 (a member first) or PK\5\6 (an empty archive); RFC-9 archives start the same way.
  if (a === 0x50 && b === 0x4b && ((c === 3 && d === 4) || (c === 5 && d === 6))) return 'zip';
  return undefined;
}

export async function makeReferences(source: ByteSource, opts: MakeReferencesOptions): Promise<References> {
  return (await makeReferenceBuilder(source, opts)).toReferences();
}

/** Like `makeReferences`, as a builder: `.toJsonBytes()` is the JSON text without the object detour. */
export async function makeReferenceBuilder(source: ByteSource, opts: MakeReferencesOptions): Promise<ReferenceBuilder> {
  const size = await source.size();
  if (size < 8) throw new SourceError(source.name, `only ${size} bytes: not a TIFF or ZIP file`);
  const head = await source.read(0, 8);
  const kind = sniff(head);
  if (kind === 'tiff') return tiffReferenceBuilder(source, opts);
  if (kind === 'zip') return ReferenceBuilder.from(await zipReferences(source, opts));
  const hex = Array.from(head.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
  throw new SourceError(
    source.name,
    `not a TIFF or ZIP file (it starts with bytes ${hex}); the reference maker reads OME-TIFF/BigTIFF and zipped Zarr (.zip/.ozx)`,
  );
}
