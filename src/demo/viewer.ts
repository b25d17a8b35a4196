/**
 * The viewer's demo data and its sharing (Node side of `npm start`):
 * - a demo generator writing a pyramidal 3-channel OME-TIFF and plain-HTTP references to it
 *   (`demo.ome.tif.refs.json`, chunk URLs relative to the JSON);
 * - a service that uploads the OME-TIFF to the local S3 server and publishes pre-signed URLs of it
 *   and of its references at /host/config.json under "viewer-demo", for the slides' buttons.
 */
import fs from 'node:fs';
import path from 'node:path';
import { demoOmeTiff } from './ome-tiff.js';
import { BytesSource } from '../io/byte-source.js';
import { makeReferences } from '../reference/make.js';
import type { Service } from '../service.js';

export const DEMO_NAME = 'viewer';
export const DEMO_FILE = 'demo.ome.tif';

export async function generateViewerDemo(dir: string, log: (msg: string) => void): Promise<void> {
  const bytes = demoOmeTiff();
  fs.writeFileSync(path.join(dir, DEMO_FILE), bytes);
  const refs = await makeReferences(new BytesSource(bytes, DEMO_FILE), { url: DEMO_FILE });
  fs.writeFileSync(path.join(dir, `${DEMO_FILE}.refs.json`), JSON.stringify(refs));
  log(`demo: viewer OME-TIFF ${(bytes.length / 1e6).toFixed(1)} MB with ${Object.keys(refs.refs).length} references`);
}

export const viewerDemoService: Service = {
  name: 'viewer-demo',
  async start(ctx) {
    const file = path.join(ctx.demoDir, DEMO_NAME, DEMO_FILE);
    const stop = async () => {};
    if (!fs.existsSync(file)) return { config: {}, stop };
    // The S3 service started before this one (when s3rver is installed) and handed over its endpoint.
    const host = ctx.config as { s3?: { endpoint?: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string } };
    if (!host.s3?.endpoint) return { config: { plain: `/demo/${DEMO_NAME}/${DEMO_FILE}` }, stop };
    const { shareFile } = await import('../s3/share.js');
    const shared = await shareFile(file, { config: { ...host.s3, endpoint: host.s3.endpoint, forcePathStyle: true }, expires: '7d', key: `demo/${DEMO_FILE}` });
    ctx.log(`viewer-demo: ${DEMO_FILE} shared through the local S3 server (pre-signed for 7 days)`);
    return { config: { tiff: shared.dataUrl, refs: shared.refsUrl, expires: shared.expiresAt.toISOString(), plain: `/demo/${DEMO_NAME}/${DEMO_FILE}` }, stop };
  },
};
