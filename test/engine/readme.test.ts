/**
 * The README's "App engine" commands, run as written (the port, DIR, MODELS, <id> and the input
 * filled in): `serve --data DIR --collection MODELS`, the curl listing, the Python zarr line, the
 * curl predict.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoRdfs } from '../../src/demo/rdfs.js';
import { testData } from '../helpers/fixtures.js';
import { serve, type Served } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { python, repoRoot } from '../helpers/paths.js';

const run = promisify(execFile);
const section = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8').split(/^## App engine$/m)[1]!.split(/^## /m)[0]!;
const lines = /```sh\n([\s\S]*?)```/.exec(section)![1]!.trim().split('\n').map((l) => l.replace(/\s+#.*$/, '').trim());
let dir: string;
let served: Served;

beforeAll(async () => {
  dir = tmpDir('readme-engine-');
  fs.mkdirSync(path.join(dir, 'DIR'));
  fs.symlinkSync(path.join(testData(), 'tiff', 'pyramid-2ch-u16-deflate-pred.ome.tif'), path.join(dir, 'DIR', 'cells.ome.tif'));
  await generateDemoRdfs(path.join(dir, 'MODELS'));
  const [cmd, ...args] = lines[0]!.replace(/^imjoy-share /, 'bin/imjoy-share.mjs ').split(/\s+/);
  expect(cmd).toBe('bin/imjoy-share.mjs');
  served = await serve(process.execPath, [cmd!, ...args.map((a) => (a === 'DIR' || a === 'MODELS' ? path.join(dir, a) : a)), '--port', '0', '--no-demo'], {
    cwd: repoRoot,
    env: { IMJOY_SHARE_CACHE: path.join(dir, 'cache') },
    timeoutMs: 60_000,
  });
});
afterAll(async () => {
  await served?.stop();
});

const local = (l: string) => l.replaceAll('http://127.0.0.1:8080', served.url);

describe('README "App engine"', () => {
  it('lists DIR with the curl line', async () => {
    const [, ...args] = local(lines[1]!).split(/\s+/);
    const { stdout } = await run('curl', ['-s', ...args]);
    expect(JSON.parse(stdout).files.map((f: { name: string }) => f.name)).toEqual(['cells.ome.tif']);
  });

  it('reads the image with the Python line', async () => {
    const code = /python3 -c '(.*)'$/.exec(local(lines[2]!))![1]!;
    const { stdout } = await run(python, ['-c', code]);
    expect(stdout.trim()).toBe('(2, 1000, 1500)');
  });

  it('predicts with the curl line', async () => {
    const { models } = (await (await fetch(`${served.url}/models`)).json()) as { models: { id: string }[] };
    const id = models[0]!.id;
    await run(python, ['-c', `import numpy as np; np.save('input.npy', np.ones((1,1,64,64), 'float32'))`], { cwd: dir });
    const [, ...args] = local(lines[3]!).replace('<id>', id).split(/\s+/);
    await run('curl', ['-sf', ...args], { cwd: dir });
    const { stdout } = await run(python, ['-c', `import numpy as np; a = np.load('output.npy'); print(a.shape, a.dtype)`], { cwd: dir });
    expect(stdout.trim()).toBe('(1, 1, 64, 64) float32');
  });
});
