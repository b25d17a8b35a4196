/** Node edge of src/model: local paths, local zips, and onnxruntime-web's Node build. */
import { openNodeSource } from '../io/open-node.js';
import { nodeReadFile } from '../rdf/node.js';
import { openModelPackage, type ModelPackage } from './package.js';
import type { OrtModule } from './onnx.js';

export function openModelPackageNode(location: string, signal?: AbortSignal): Promise<ModelPackage> {
  return openModelPackage(location, { readFile: nodeReadFile, openSource: (l) => openNodeSource(l), signal });
}

/** onnxruntime-web through its root entry (the node build; '/wasm' fails in Node, see notes §2). */
export async function loadOrtNode(): Promise<OrtModule> {
  const ort = (await import('onnxruntime-web')) as unknown as OrtModule;
  return ort;
}
