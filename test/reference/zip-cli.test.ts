import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as zarr from 'zarrita';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCodecs } from '../../src/codecs/index.js';
import { openReferences } from '../../src/reference/open.js';
import { startLocalS3, type LocalS3 } from '../../src/server/s3-service.js';
import { startStaticServer } from '../../src/http/static-server.js';
import { python, repoRoot } from '../helpers/paths.js';
import { testData } from '../helpers/fixtures.js';

const data = testData();

const run = promisify(execFile);
const zip = path.join(data, 'zip', 'omezarr-v04-zlib-nested-zip64.zip');
const sha = (b: ArrayBufferView) => createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex');

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, [path.join(repoRoot, 'bin', 'imjoy-share.mjs'), ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

let tmp: string;
let s3: LocalS3;
beforeAll(async () => {
  registerCodecs();
  await run(process.execPath, [path.join(repoRoot, 'build.mjs'), '--cli-only'], { cwd: repoRoot });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ref-cli-'));
  s3 = await startLocalS3(path.join(tmp, 's3'));
});
afterAll(async () => {
  await s3?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('imjoy-share ref', () => {
  it('ref → refs.json; ref check decodes every chunk', async () => {
    const out = path.join(tmp, 'refs.json');
    const made = await cli(['ref', zip, '-o', out]);
    expect(made.code).toBe(0);
    const refs = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(refs.templates.u).toBe(zip);
    const check = await cli(['ref', 'check', out, '--json']);
    // --data-url reads the data elsewhere: a missing file fails every chunk, exit 1.
    const elsewhere = await cli(['ref', 'check', out, '--data-url', path.join(tmp, 'missing.zip')]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stdout).toMatch(/missing\.zip: no such file/);
    expect(check.code).toBe(0);
    const reports = JSON.parse(check.stdout) as { path: string; shape: number[]; codec: string; chunkRefs: number; gridChunks: number; decoded: number; failures: unknown[] }[];
    // Shapes and chunk counts as zarr-python sees the original ZIP.
    const truth = JSON.parse((await run(python, ['-c', `
import zarr, sys, json, math
g = zarr.open_group(zarr.storage.ZipStore(sys.argv[1], mode='r'), mode='r')
print(json.dumps([[p, list(g[p].shape), g[p].compressor.codec_id, math.prod(g[p].cdata_shape)] for p in ['0', '1', '2']]))`, zip])).stdout);
    expect(reports.map((r) => [r.path, r.shape, r.codec, r.gridChunks])).toEqual(truth);
    for (const r of reports) {
      expect(r.failures).toEqual([]);
      expect(r.decoded).toBe(r.chunkRefs);
      expect(r.chunkRefs).toBe(r.gridChunks);
    }
  });

  it('ref <http URL> reads with Range requests and gives the same references as the local file with --url', async () => {
    const seen: string[] = [];
    const server = await startStaticServer({ port: 0, mounts: { '/data/': data }, onRequest: (r) => seen.push(`${r.method} ${r.headers.range ?? 'no-range'}`) });
    try {
      const url = `${server.url}/data/zip/${path.basename(zip)}`;
      const overHttp = await cli(['ref', url]);
      expect(overHttp.code).toBe(0);
      const local = await cli(['ref', zip, '--url', url]);
      expect(JSON.parse(overHttp.stdout)).toEqual(JSON.parse(local.stdout));
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((s) => /^GET bytes=\d+-\d+(,\d+-\d+|,-1)*$/.test(s))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('ref check reports a corrupt chunk reference and exits 1', async () => {
    const refs = JSON.parse((await cli(['ref', zip])).stdout);
    refs.refs['1/0/1/1'][1] += 3; // point 3 bytes into the zlib stream
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify(refs));
    const check = await cli(['ref', 'check', bad]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/FAILED 1\/0\/1\/1: /);
  });

  it('bad input exits 2 with a message naming the file', async () => {
    const deflated = await cli(['ref', path.join(data, 'zip', 'omezarr-v04-deflated-members.zip')]);
    expect(deflated.code).toBe(2);
    expect(deflated.stderr).toMatch(/omezarr-v04-deflated-members\.zip: ZIP member .* is compressed/);
    const notData = await cli(['ref', path.join(repoRoot, 'package.json')]);
    expect(notData.code).toBe(2);
    expect(notData.stderr).toMatch(/package\.json: not a TIFF or ZIP file/);
    const missing = await cli(['ref', path.join(tmp, 'nope.zip')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.zip: no such file/);
  });

  it('ref retemplate changes only templates.u', async () => {
    const out = path.join(tmp, 'r1.json');
    await cli(['ref', zip, '-o', out, '--url', 'https://example.org/a.zip']);
    const r = await cli(['ref', 'retemplate', out, '--to', 'https://example.org/b.zip?sig=1']);
    const a = JSON.parse(fs.readFileSync(out, 'utf8'));
    const b = JSON.parse(r.stdout);
    expect(a.templates.u).toBe('https://example.org/a.zip');
    expect(b.templates.u).toBe('https://example.org/b.zip?sig=1');
    expect(b.refs).toEqual(a.refs);
  });
});

describe('imjoy-share share', () => {
  it('uploads to S3 (env credentials), prints pre-signed refs URL and viewer link; the refs read the pixels', async () => {
    const env = { AWS_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region };
    const r = await cli(['share', zip, '--bucket', s3.bucket, '--key', 'cli/sample.zip', '--expires', '2h', '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.refsUrl).toMatch(new RegExp(`^${s3.endpoint}/${s3.bucket}/cli/sample\\.zip\\.refs\\.json\\?.*X-Amz-Expires=7200`));
    expect(out.viewer).toBe(`http://127.0.0.1:8080/?start=Reference%20Viewer&source=${encodeURIComponent(out.refsUrl)}`);
    const store = await openReferences(out.refsUrl);
    const a = await zarr.get(await zarr.open(zarr.root(store).resolve('2'), { kind: 'array' }));
    const truth = (await run(python, ['-c', `
import zarr, sys, hashlib
print(hashlib.sha256(zarr.open_group(zarr.storage.ZipStore(sys.argv[1], mode='r'), mode='r')['2'][...].tobytes()).hexdigest())`, zip])).stdout.trim();
    expect(sha(a.data as Uint16Array)).toBe(truth);

    const tooLong = await cli(['share', zip, '--bucket', s3.bucket, '--expires', '8d'], env);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/longer than 7 days/);
  });
});
