import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as zarr from 'zarrita';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { registerCodecs } from '../../src/codecs/index.js';
import { BytesSource } from '../../src/io/byte-source.js';
import { HttpSource } from '../../src/io/http-source.js';
import { zipReferences } from '../../src/reference/from-zip.js';
import { openReferences } from '../../src/reference/open.js';
import { presignGet, s3Client, uploadObject } from '../../src/s3/client.js';
import { parseExpiry, s3Config, type S3Config } from '../../src/s3/config.js';
import { retemplate } from '../../src/s3/retemplate.js';
import { shareFile } from '../../src/s3/share.js';
import { startLocalS3, type LocalS3 } from '../../src/server/s3-service.js';
import { python } from '../helpers/paths.js';
import { testData } from '../helpers/fixtures.js';

const data = testData();

const zipPath = path.join(data, 'zip', 'omezarr-v04-blosc-stored.zip');
const sha = (b: ArrayBufferView) => createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex');

let tmp: string;
let s3: LocalS3;
let cfg: S3Config;
let client: S3Client;
let level0Sha: string;
const requests: { method: string; url: string; range: string | null }[] = [];
const countingFetch: typeof fetch = (input, init) => {
  const req = new Request(input, init);
  requests.push({ method: req.method, url: req.url, range: req.headers.get('range') });
  return fetch(req);
};

beforeAll(async () => {
  registerCodecs();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's3-test-'));
  s3 = await startLocalS3(path.join(tmp, 's3'));
  cfg = s3Config({ endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  client = s3Client(cfg);
  level0Sha = execFileSync(python, ['-c', `
import zarr, hashlib, sys
a = zarr.open_group(zarr.storage.ZipStore(sys.argv[1], mode='r'), mode='r')['0'][...]
print(hashlib.sha256(a.tobytes()).hexdigest())`, zipPath]).toString().trim();
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function level0(refs: Parameters<typeof openReferences>[0], opts: Parameters<typeof openReferences>[1] = {}) {
  const store = await openReferences(refs, { fetch: countingFetch, ...opts });
  return sha((await zarr.get(await zarr.open(zarr.root(store).resolve('0'), { kind: 'array' }))).data as Uint16Array);
}

describe('pre-signed sharing through a local S3 server', () => {
  it('upload, pre-sign, index and read a level with Range GETs only (no HEAD), then rotate the URL', async () => {
    const progress: number[] = [];
    const bytes = fs.readFileSync(zipPath);
    await uploadObject(client, cfg.bucket, 'data/blosc.zip', bytes, bytes.length, { onProgress: (d) => progress.push(d), partSize: 5 * 1024 * 1024 });
    expect(progress.at(-1)).toBe(bytes.length);

    const url = await presignGet(client, cfg.bucket, 'data/blosc.zip', '1h');
    expect(url).toMatch(/X-Amz-Signature=/);
    expect(url).not.toMatch(/x-amz-checksum-mode/);
    requests.length = 0;
    const refs = await zipReferences(new HttpSource(url, { fetch: countingFetch }), { url });
    expect(await level0(refs)).toBe(level0Sha);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.method === 'GET' && /^bytes=\d+-\d+(,\d+-\d+|,-1)*$/.test(r.range ?? ''))).toBe(true);

    // Rotation: a fresh URL changes one string; the refs still read the same pixels.
    // signed a minute earlier: a different X-Amz-Date → a different URL, still valid
    const fresh = await presignGet(client, cfg.bucket, 'data/blosc.zip', '2h', new Date(Date.now() - 60_000));
    const rotated = retemplate(refs, fresh);
    expect(rotated.templates.u).toBe(fresh);
    expect(rotated.templates.u).not.toBe(refs.templates.u);
    expect(rotated.refs).toBe(refs.refs);
    requests.length = 0;
    expect(await level0(rotated)).toBe(level0Sha);
    expect(requests.every((r) => r.url === fresh)).toBe(true);
  });

  it('an expired pre-signed URL (403) → refreshUrl hook → fresh URL, once', async () => {
    await uploadObject(client, cfg.bucket, 'data/expiring.zip', fs.readFileSync(zipPath), fs.statSync(zipPath).size);
    // signed 10 s ago for 1 s: expired from the start, no waiting
    const shortUrl = await presignGet(client, cfg.bucket, 'data/expiring.zip', 1, new Date(Date.now() - 10_000));
    const refs = await zipReferences(new BytesSource(new Uint8Array(fs.readFileSync(zipPath)), zipPath), { url: shortUrl });
    const raw = await fetch(shortUrl, { headers: { Range: 'bytes=0-0' } });
    expect(raw.status).toBe(403); // s3rver enforces expiry
    let calls = 0;
    const sum = await level0(refs, {
      refreshUrl: async () => {
        calls++;
        return presignGet(client, cfg.bucket, 'data/expiring.zip', '1h');
      },
    });
    expect(sum).toBe(level0Sha);
    expect(calls).toBe(1);
  });

  it('our SigV4 signature equals botocore pre-signing the same request at the same instant', async () => {
    const when = new Date('2026-11-20T12:34:56Z');
    const ours = new URL(await presignGet(client, cfg.bucket, 'data/some key+name.zip', '7d', when));
    const unsigned = new URL(ours.href);
    for (const k of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) unsigned.searchParams.delete(k);
    const theirs = new URL(execFileSync(python, [path.join(__dirname, 'py', 'presign.py'), unsigned.href, s3.accessKeyId, s3.secretAccessKey, cfg.region, String(7 * 86400), ours.searchParams.get('X-Amz-Date')!]).toString().trim());
    expect(ours.searchParams.get('X-Amz-Date')).toBe('20261120T123456Z');
    expect(ours.searchParams.get('X-Amz-Expires')).toBe('604800');
    expect(theirs.searchParams.get('X-Amz-Credential')).toBe(ours.searchParams.get('X-Amz-Credential'));
    expect(theirs.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(theirs.searchParams.get('X-Amz-Signature')).toBe(ours.searchParams.get('X-Amz-Signature'));
    // …and a different secret gives a different signature (the comparison can fail).
    const other = execFileSync(python, [path.join(__dirname, 'py', 'presign.py'), unsigned.href, s3.accessKeyId, 'not-the-secret', cfg.region, String(7 * 86400), '20261120T123456Z']).toString();
    expect(new URL(other.trim()).searchParams.get('X-Amz-Signature')).not.toBe(ours.searchParams.get('X-Amz-Signature'));
  });

  it('the local S3 bucket answers browsers: preflight allows Range, responses expose Content-Range', async () => {
    await uploadObject(client, cfg.bucket, 'data/cors.bin', new Uint8Array(1000).fill(7), 1000);
    const url = await presignGet(client, cfg.bucket, 'data/cors.bin', '1h');
    const pre = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'http://127.0.0.1:1', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' } });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('range');
    const get = await fetch(url, { headers: { Origin: 'http://127.0.0.1:1', Range: 'bytes=10-19' } });
    expect(get.status).toBe(206);
    expect(get.headers.get('content-range')).toBe('bytes 10-19/1000');
    expect(get.headers.get('access-control-expose-headers')).toMatch(/Content-Range/);
  });

  it('expiry: at most 7 days', () => {
    expect(parseExpiry('7d')).toBe(604800);
    expect(parseExpiry('90m')).toBe(5400);
    expect(parseExpiry('3600')).toBe(3600);
    expect(() => parseExpiry('8d')).toThrow(/longer than 7 days/);
    expect(() => parseExpiry('soon')).toThrow(/not a duration/);
  });

  it('config from the standard AWS environment variables', () => {
    const c = s3Config({ bucket: 'b' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' });
    expect(c).toMatchObject({ endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', bucket: 'b', accessKeyId: 'k', forcePathStyle: true });
    expect(s3Config({ bucket: 'b' }, {})).toMatchObject({ endpoint: undefined, region: 'us-east-1', forcePathStyle: false });
    expect(() => s3Config({}, {})).toThrow(/no bucket/);
  });

  it('shareFile: uploads data and references; the pre-signed references URL reads the pixels', async () => {
    const r = await shareFile(zipPath, { config: cfg, key: 'shared/sample.zip', expires: '1d' });
    expect(r.refsKey).toBe('shared/sample.zip.refs.json');
    expect(r.refs.templates.u).toBe(r.dataUrl);
    requests.length = 0;
    expect(await level0(r.refsUrl)).toBe(level0Sha);
    expect(requests.every((q) => q.method === 'GET')).toBe(true);
  });
});
