/**
 * A local S3 server (s3rver) for the sharing demos and tests, on 127.0.0.1 only. The bucket's CORS
 * rule lets plugins in other origins send Range and read Content-Range. s3rver accepts the fixed
 * credentials S3RVER/S3RVER and checks expiry of pre-signed URLs but not SigV4 signatures (tests
 * prove our signatures right against botocore instead).
 *
 * s3rver (and its koa, winston, lodash) is a development dependency: only the demo and the tests
 * use it, so the published CLI does not carry it, and an installed `serve` runs without it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Service } from '../service.js';

const S3_BUCKET = 'imjoy-share';

const CORS = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>Content-Range</ExposeHeader>
    <ExposeHeader>Content-Length</ExposeHeader>
    <ExposeHeader>Accept-Ranges</ExposeHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

export async function startLocalS3(directory: string, port = 0): Promise<LocalS3> {
  const S3rver = (await import('s3rver')).default;
  fs.mkdirSync(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: S3_BUCKET, configs: [CORS] }] });
  const { port: actual } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${actual}`,
    bucket: S3_BUCKET,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    stop: () => server.close(),
  };
}

export const s3Service: Service = {
  name: 's3',
  async start(ctx) {
    const installed = await import('s3rver').then(
      () => true,
      () => false,
    );
    if (!installed) {
      ctx.log('s3: no local S3 server (s3rver is a development dependency); the sharing demo serves its file plainly');
      return { config: {}, stop: async () => {} };
    }
    const s3 = await startLocalS3(path.join(ctx.cacheDir, 's3rver'));
    ctx.log(`s3: local S3 server at ${s3.endpoint} (bucket ${s3.bucket})`);
    const { stop, ...config } = s3;
    return { config, stop };
  },
};
