/** Node edge of src/model: local paths, local zips, and onnxruntime-web's Node build. */
import fs from 'node:fs/promises';
import FetchStore from '@zarrita/storage/fetch';
import FileSystemStore from '@zarrita/storage/fs';
import type { Readable } from 'zarrita';
import { FileSource } from '../io/file-source.js';
import { openNodeSource } from '../io/open-node.js';
import { loadReferences, ReferenceStore } from '../reference/open.js';
import type { References } from '../reference/types.js';
import { nodeReadFile } from '../rdf/node.js';
import type { InputImage } from './fit-axes.js';
import { decodeImage, isTiff, readTiffImage, type TiffReadOptions } from './image-io.js';
import { openModelPackage, type ModelPackage } from './package.js';
import { decodePngNode } from './png-node.js';
import type { OrtModule } from './onnx.js';

export function openModelPackageNode(location: string, signal?: AbortSignal): Promise<ModelPackage> {
  return openModelPackage(location, { readFile: nodeReadFile, openSource: (l) => openNodeSource(l), signal });
}

/** onnxruntime-web through its root entry (the node build; '/wasm' fails in Node, see notes §2). */
export async function loadOrtNode(): Promise<OrtModule> {
  const ort = (await import('onnxruntime-web')) as unknown as OrtModule;
  return ort;
}

type ClosableStore = Readable & { close(): Promise<void> };

/**
 * A zarrita store for a model input region: kerchunk references (.json, local or URL; data files
 * may be local paths or URLs), an http(s) Zarr URL, or a local Zarr folder. `close` lets go of the
 * files references opened (one handle per data file, kept for the store's reads).
 */
export async function openZarrStoreNode(loc: string): Promise<ClosableStore> {
  const isUrl = /^https?:\/\//i.test(loc);
  if (/\.json($|\?)/i.test(loc)) {
    let refs: References;
    let base: string | undefined;
    if (isUrl) ({ refs, base } = await loadReferences(loc));
    else {
      const text = await fs.readFile(loc, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new Error(`${loc}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
      });
      try {
        refs = JSON.parse(text) as References;
      } catch (e) {
        throw new Error(`${loc}: not valid JSON (${(e as Error).message})`);
      }
    }
    return new ReferenceStore(refs, { base, openSource: (u) => openNodeSource(u) }) as unknown as ClosableStore;
  }
  // these read each key whole and hold nothing open
  const nothingHeld = async () => {};
  if (isUrl) return Object.assign(new FetchStore(loc), { close: nothingHeld });
  const st = await fs.stat(loc).catch(() => undefined);
  if (!st?.isDirectory()) throw new Error(`${loc}: not a Zarr folder, a references .json or an http(s) URL`);
  return Object.assign(new FileSystemStore(loc), { close: nothingHeld });
}

/**
 * A local input image file (npy, TIFF, PNG). A TIFF is read in place through the reference maker,
 * never loaded whole: only its directories and the chunks of the series it predicts are read.
 */
export async function readInputImageNode(file: string, opts: TiffReadOptions = {}): Promise<InputImage> {
  const source = new FileSource(file);
  try {
    const size = await source.size();
    if (isTiff(await source.read(0, Math.min(4, size)))) return await readTiffImage(source, opts);
  } finally {
    await source.close();
  }
  const bytes = await fs.readFile(file);
  return decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file, decodePngNode, opts);
}
