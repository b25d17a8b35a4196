import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ProgressCallback } from '../progress.js';
import { parseExpiry, type S3Config } from './config.js';

export function s3Client(cfg: S3Config): S3Client {
  // The SDK warns on every start that its releases after January 2027 need Node >= 22. This
  // project supports Node 20 (what Debian and our machines have) with the versions it locks, so
  // that one warning is noise; the SDK reads this switch when a client is constructed, and a
  // user's own setting wins.
  if (typeof process !== 'undefined') process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: cfg.region,
    endpoint: cfg.endpoint,
    forcePathStyle: cfg.forcePathStyle,
    credentials: cfg.accessKeyId ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey!, sessionToken: cfg.sessionToken } : undefined,
    // Keep pre-signed GETs free of x-amz-checksum-mode (viewers fetch them with plain Range GETs),
    // and uploads free of trailing checksums that S3-compatible servers may not implement.
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

export interface UploadOptions {
  contentType?: string;
  onProgress?: ProgressCallback;
  /** Multipart part size (default 8 MiB; S3's minimum is 5 MiB). */
  partSize?: number;
}

/** Uploads a body (multipart for big ones, with progress in bytes). */
export async function uploadObject(client: S3Client, bucket: string, key: string, body: Uint8Array | NodeJS.ReadableStream | Blob, size: number, opts: UploadOptions = {}) {
  const up = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: body as never, ContentType: opts.contentType },
    partSize: Math.max(opts.partSize ?? 8 * 1024 * 1024, 5 * 1024 * 1024),
    queueSize: 4,
  });
  up.on('httpUploadProgress', (p) => opts.onProgress?.(p.loaded ?? 0, p.total ?? size, 'upload'));
  await up.done();
  opts.onProgress?.(size, size, 'upload');
}

/** A small object in one PUT (reference JSON). */
export async function putObject(client: S3Client, bucket: string, key: string, body: string | Uint8Array, contentType: string) {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

/** A pre-signed GET URL; `expires` as accepted by parseExpiry (at most 7 days). */
export function presignGet(client: S3Client, bucket: string, key: string, expires: string | number, signingDate?: Date): Promise<string> {
  return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: parseExpiry(expires), signingDate });
}
