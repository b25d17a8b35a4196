/**
 * A Potree octree inside one file — a stored zip from `potree convert -o x.zip`, or a `.smlm` that
 * carries one (`--into`) — opened for reading its three files as byte ranges. Two reads first, the
 * head (which also tells the size) and the tail (the central directory, metadata.json and the top
 * of hierarchy.bin, written last for this reason), kept for later reads; then only the octree's
 * members' local headers. Plain ranges only: a suffix range (`bytes=-N`) is not CORS-safelisted,
 * and its preflight would need buckets to allow the Range header.
 */
import type { ByteSource } from '../io/byte-source.js';
import { PrefetchedSource, type Window } from '../io/prefetched-source.js';
import { listZip, ZIP_STORED } from '../zip/zip.js';
import { concatBytes } from '../io/bytes.js';

export const OCTREE_FILES = ['metadata.json', 'hierarchy.bin', 'octree.bin'] as const;
export type OctreeFile = (typeof OCTREE_FILES)[number];

/** metadata.json is read whole: a bigger one is refused rather than allocated (`potree info`, the viewer). */
export const METADATA_LIMIT = 16 << 20;

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 256 * 1024;

/** One of an octree's files: bytes [offset, offset + size) of `source`. */
export interface OctreePlace {
  source: ByteSource;
  offset: number;
  size: number;
}

export interface SingleFile {
  size: number;
  /** Where each of the octree's files lies (in the file, its head and tail at hand); undefined when it holds no octree. */
  octree?: Record<OctreeFile, OctreePlace>;
}

const isOctreeMember = (name: string) => OCTREE_FILES.some((f) => name === f || name.endsWith(`/${f}`));

/** Opens `file`; a file that is no ZIP archive, or one without an octree, has no `octree`. */
export async function openSingleFile(file: ByteSource): Promise<SingleFile> {
  const [head] = file.readMany ? await file.readMany([{ offset: 0, length: HEAD_BYTES }], { clip: true }) : [await file.read(0, Math.min(HEAD_BYTES, await file.size()))];
  const size = await file.size(); // known from the head's answer
  const tailAt = Math.max(head!.length, size - TAIL_BYTES);
  const tail = tailAt < size ? await file.read(tailAt, size - tailAt) : new Uint8Array(0);
  // a file of a few hundred KiB: head and tail are one window
  const windows: Window[] = tailAt === head!.length ? [{ offset: 0, bytes: concatBytes([head!, tail]) }] : [{ offset: 0, bytes: head! }, { offset: tailAt, bytes: tail }];
  const source = new PrefetchedSource(file, windows, size);
  let entries;
  try {
    ({ entries } = await listZip(source, { members: isOctreeMember }));
  } catch (e) {
    if (/not a ZIP archive/.test((e as Error).message)) return { size };
    throw e;
  }
  const octree: Partial<SingleFile['octree']> = {};
  for (const f of OCTREE_FILES) {
    const e = entries.find((x) => x.name === f || x.name.endsWith(`/${f}`));
    if (!e) return { size };
    if (e.method !== ZIP_STORED) throw new Error(`${file.name}: ${e.name} is compressed; an octree's nodes are read by byte range only from stored members`);
    octree![f] = { source, offset: e.dataOffset, size: e.size };
  }
  return { size, octree: octree as SingleFile['octree'] };
}

/** The octree `file` holds, or an error naming it and, for a .smlm, the command that adds one. */
export async function openOctreeFile(file: ByteSource): Promise<Record<OctreeFile, OctreePlace>> {
  const { octree } = await openSingleFile(file);
  if (octree) return octree;
  const base = file.name.split('/').pop();
  throw new Error(
    /\.smlm$/i.test(file.name)
      ? `${file.name}: no octree in this .smlm (add one: imjoy-share potree convert ${base} --into ${base})`
      : `${file.name}: no Potree octree in it (metadata.json, hierarchy.bin, octree.bin)`,
  );
}

