/**
 * What `potree info` reports of an octree, checked: metadata.json parsed within a size limit, its
 * hierarchy walked against octree.bin (hierarchy-read.ts), and the points and depth it declares
 * compared with what the nodes hold. Over byte ranges of any source: a folder, a one-file zip or
 * .smlm, URLs.
 */
import { readHierarchy } from './hierarchy-read.js';
import { METADATA_LIMIT, type OctreeFile, type OctreePlace } from './single-file.js';

export interface OctreeInfo {
  points: number;
  nodes: number;
  chunks: number;
  depth: number;
  attributes: { name: string; type: string; min: unknown[]; max: unknown[] }[];
}

export async function octreeInfo(name: string, files: Record<OctreeFile, OctreePlace>): Promise<OctreeInfo> {
  const m = files['metadata.json'];
  if (m.size > METADATA_LIMIT) throw new Error(`${name}: metadata.json is ${m.size} bytes (more than ${METADATA_LIMIT})`);
  let meta: { version?: string; points?: number; hierarchy?: { depth?: number; firstChunkSize?: number }; attributes?: { name: string; type: string; size: number; min: number[]; max: number[] }[] };
  try {
    meta = JSON.parse(new TextDecoder().decode(await m.source.read(m.offset, m.size)));
  } catch (e) {
    throw new Error(`${name}: metadata.json is not valid JSON (${(e as Error).message})`);
  }
  const attrs = meta?.attributes;
  if (meta?.version !== '2.0' || !Array.isArray(attrs) || !attrs.every((a) => a && typeof a.name === 'string' && Number.isSafeInteger(a.size) && a.size > 0)) {
    throw new Error(`${name}: not Potree 2.0 metadata (version "2.0" and attributes with names and sizes)`);
  }
  const first = meta.hierarchy?.firstChunkSize;
  if (!Number.isSafeInteger(first)) throw new Error(`${name}: metadata.json has no hierarchy.firstChunkSize`);
  const h = files['hierarchy.bin'];
  const walked = await readHierarchy({
    read: (offset, size) => h.source.read(h.offset + offset, size),
    hierarchySize: h.size,
    firstChunkSize: first!,
    octreeSize: files['octree.bin'].size,
    recordSize: attrs.reduce((a, x) => a + x.size, 0),
    where: name,
  });
  if (walked.points !== meta.points) throw new Error(`${name}: metadata.json says ${meta.points} points, its nodes hold ${walked.points}`);
  if (walked.depth !== meta.hierarchy?.depth) throw new Error(`${name}: metadata.json says depth ${meta.hierarchy?.depth}, its hierarchy is ${walked.depth} deep`);
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
  return { points: walked.points, nodes: walked.nodes, chunks: walked.chunks, depth: walked.depth, attributes: attrs.map((a) => ({ name: a.name, type: a.type, min: list(a.min), max: list(a.max) })) };
}
