/** Node-only edge for src/rdf: local file reads for loadRdf, with folder detection. */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { openNodeSource } from '../io/open-node.js';
import type { FileAccess } from './files.js';
import { loadRdf, RdfLoadError, tooLarge, isHttpUrl, type LoadOptions, type LoadedRdf } from './load.js';

/** Reads a local file, refusing (before reading) one larger than maxBytes. */
export async function nodeReadFile(path: string, maxBytes: number): Promise<Uint8Array> {
  const p = path.startsWith('file://') ? new URL(path).pathname : path;
  let fh;
  try {
    fh = await open(p, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RdfLoadError(path, code === 'ENOENT' ? 'no such file' : (e as Error).message, code === 'ENOENT' ? 404 : undefined);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new RdfLoadError(path, 'is a folder, not a file');
    if (st.size > maxBytes) throw tooLarge(path, st.size, maxBytes);
    // Read what the stat promised, but never trust it blindly: stop at maxBytes + 1.
    const buf = new Uint8Array(Math.min(st.size, maxBytes + 1));
    const { bytesRead } = await fh.read(buf, 0, buf.byteLength, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** loadRdf with local file access; a local folder is searched for bioimageio.yaml / rdf.yaml. */
export async function loadRdfNode(location: string, opts: LoadOptions = {}): Promise<LoadedRdf> {
  let loc = location;
  if (!isHttpUrl(loc)) {
    if (loc.startsWith('file://')) loc = new URL(loc).pathname;
    const st = await stat(loc).catch(() => undefined);
    if (st?.isDirectory() && !/[\\/]$/.test(loc)) loc += '/';
    if (!st) throw new RdfLoadError(location, 'no such file or folder', 404);
  }
  return loadRdf(loc, { readFile: nodeReadFile, ...opts });
}

/** Referenced-file access for Node: local paths and URLs through the ByteSource seam; streamed sha256. */
export function nodeFileAccess(): FileAccess {
  return {
    open: (loc) => openNodeSource(loc),
    sha256: () => {
      const h = createHash('sha256');
      return { update: (b) => void h.update(b), digest: async () => h.digest('hex') };
    },
  };
}
