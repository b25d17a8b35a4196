/**
 * One file for a whole octree: stored (uncompressed) ZIP members octree.bin, hierarchy.bin and
 * metadata.json, in this order, then the central directory — so one suffix read of the archive
 * returns its directory, the metadata and the top of the hierarchy, and nodes are byte ranges of the
 * archive: one pre-signed URL serves the whole cloud. Either a new .zip, or appended to the `.smlm`
 * the octree was made from (under `potree/`): its tables stay where they were, so ShareLoc readers
 * still read them, and the one object serves both the table and the streamed octree.
 */
import path from 'node:path';
import { appendStoredMembers, writeStoredZip } from '../zip/write-stored-node.js';
import type { OctreeFile } from './single-file.js';

/** The archive's order: the nodes first, so the tail holds the directory, metadata and hierarchy. */
const OCTREE_MEMBERS: readonly OctreeFile[] = ['octree.bin', 'hierarchy.bin', 'metadata.json'];
/** Where an octree appended to a .smlm lives inside it. */
const SMLM_OCTREE_FOLDER = 'potree/';

export function zipOctree(dir: string, zipFile: string): number {
  return writeStoredZip(zipFile, OCTREE_MEMBERS.map((m) => ({ name: m, path: path.join(dir, m) })));
}

/** Appends the octree in `dir` to `smlm` (replacing one appended before); returns the new size. */
export function appendOctree(dir: string, smlm: string): number {
  const files = OCTREE_MEMBERS.map((m) => ({ name: SMLM_OCTREE_FOLDER + m, path: path.join(dir, m) }));
  return appendStoredMembers(smlm, files, (name) => name.startsWith(SMLM_OCTREE_FOLDER));
}
