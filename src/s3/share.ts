/**
 * `share`: upload a data file to S3, make its references pointing at a pre-signed GET URL of it,
 * upload those, and pre-sign them too. Node only (reads the local file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { FileSource } from '../io/file-source.js';
import type { ProgressCallback } from '../progress.js';
import { makeReferenceBuilder } from '../reference/make.js';
import type { References } from '../reference/types.js';
import { presignGet, putObject, s3Client, uploadObject } from './client.js';
import { parseExpiry, type S3Config } from './config.js';

export interface ShareOptions {
  config: S3Config;
  /** Object key of the data file (default: the file's name). */
  key?: string;
  expires: string | number;
  onUploadProgress?: ProgressCallback;
  onIndexProgress?: ProgressCallback;
}

export interface ShareResult {
  bucket: string;
  dataKey: string;
  refsKey: string;
  dataUrl: string;
  refsUrl: string;
  expiresAt: Date;
  refs: References;
}

export async function shareFile(file: string, opts: ShareOptions): Promise<ShareResult> {
  const seconds = parseExpiry(opts.expires); // fail before uploading anything
  const size = fs.statSync(file).size;
  const client = s3Client(opts.config);
  const bucket = opts.config.bucket;
  const dataKey = opts.key ?? path.basename(file);
  const refsKey = `${dataKey}.refs.json`;
  const source = new FileSource(file);
  try {
    // Index first: a file we cannot reference is not uploaded.
    const built = await makeReferenceBuilder(source, { url: 'about:blank', onProgress: opts.onIndexProgress });
    await uploadObject(client, bucket, dataKey, fs.createReadStream(file), size, { onProgress: opts.onUploadProgress });
    const signedAt = new Date();
    const dataUrl = await presignGet(client, bucket, dataKey, seconds, signedAt);
    built.templates.u = dataUrl;
    await putObject(client, bucket, refsKey, built.toJsonBytes(), 'application/json');
    const refs: References = built.toReferences();
    const refsUrl = await presignGet(client, bucket, refsKey, seconds, signedAt);
    return { bucket, dataKey, refsKey, dataUrl, refsUrl, expiresAt: new Date(signedAt.getTime() + seconds * 1000), refs };
  } finally {
    await source.close();
    client.destroy();
  }
}

/**
 * A link that opens the references in a host's Reference Viewer: the host's `start=` runs the
 * plugin with the other URL parameters as ctx.config (here `source`).
 */
export function viewerLink(host: string, refsUrl: string): string {
  return `${host.replace(/\/$/, '')}/?start=Reference%20Viewer&source=${encodeURIComponent(refsUrl)}`;
}
