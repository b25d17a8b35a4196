import type { Command } from 'commander';
import { s3Config } from '../../s3/config.js';
import { shareFile, viewerLink, type ShareResult } from '../../s3/share.js';
import { progressBar } from '../progress.js';

export function registerShare(program: Command) {
  program
    .command('share')
    .description('upload a data file to S3, make and upload its references, print pre-signed URLs and a viewer link')
    .argument('<file>', 'an OME-TIFF/BigTIFF or zipped Zarr')
    .option('--bucket <bucket>', 'S3 bucket (or IMJOY_SHARE_BUCKET)')
    .option('--key <key>', 'object key of the data file (default: the file name); references go to <key>.refs.json')
    .option('--expires <duration>', 'lifetime of the pre-signed URLs, at most 7d (e.g. 7d, 12h, 3600)', '7d')
    .option('--endpoint <url>', 'S3-compatible endpoint (or AWS_ENDPOINT_URL); path-style addressing is used with it')
    .option('--region <region>', 'region (or AWS_REGION, default us-east-1)')
    .option('--viewer <host>', 'base URL of an ImJoy host with the Reference Viewer plugin', 'http://127.0.0.1:8080')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { bucket?: string; key?: string; expires: string; endpoint?: string; region?: string; viewer: string; json?: boolean }) => {
      const config = s3Config({ bucket: opts.bucket, endpoint: opts.endpoint, region: opts.region }, process.env);
      const index = progressBar('indexing');
      const upload = progressBar('uploading');
      let r: ShareResult;
      try {
        r = await shareFile(file, { config, key: opts.key, expires: opts.expires, onIndexProgress: index.update, onUploadProgress: upload.update });
      } finally {
        index.stop();
        upload.stop();
      }
      const link = viewerLink(opts.viewer, r.refsUrl);
      if (opts.json) {
        console.log(JSON.stringify({ bucket: r.bucket, dataKey: r.dataKey, refsKey: r.refsKey, dataUrl: r.dataUrl, refsUrl: r.refsUrl, viewer: link, expiresAt: r.expiresAt.toISOString() }, null, 2));
        return;
      }
      console.log(`data:        s3://${r.bucket}/${r.dataKey}`);
      console.log(`references:  s3://${r.bucket}/${r.refsKey}`);
      console.log(`expires:     ${r.expiresAt.toISOString()}`);
      console.log(`references URL (pre-signed):\n${r.refsUrl}`);
      console.log(`viewer:\n${link}`);
    });
}
