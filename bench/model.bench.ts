/**
 * `npm run bench -- model`:
 * 1. unet2d_nuclei_broad (real zoo ONNX model, fixed 1×1×512×512): per-inference time of
 *    onnxruntime-web (wasm, Node build, the runtime the plugin ships) vs onnxruntime-node (native
 *    CPU EP) in the same process, interleaved rounds; outputs compared.
 * 2. Tiling overhead: the same model on a 2048×2048 image (25 blocks of 512² with a 32 px halo)
 *    through ModelRunner.predict (processing over the whole image, gather with reflect padding,
 *    stitching) vs the sum of the model's run() times for those same blocks, measured in the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadOrtNode, openModelPackageNode } from '../src/model/node.js';
import { readNpy } from '../src/ndarray/npy.js';
import { createOnnxSession, type ModelSession, type OrtModule } from '../src/model/onnx.js';
import { ModelRunner } from '../src/model/runner.js';
import type { NdArray } from '../src/ndarray/ndarray.js';

const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
// The real zoo model from the corpus (docs/testing.md).
const UNET = path.resolve(root, process.env.IMJOY_SHARE_CORPUS ?? '../shared/data', 'bioimageio/models/unet2d_nuclei_broad');
const ROUNDS = Number(process.env.MODEL_BENCH_ROUNDS ?? 5);

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

async function main() {
  const weights = new Uint8Array(fs.readFileSync(path.join(UNET, 'weights.onnx')));
  const raw = readNpy(fs.readFileSync(path.join(UNET, 'test_input.npy')));
  // the model's own preprocessing (zero mean, unit variance over y, x), as the runner feeds it
  const x = raw.data as Float32Array;
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  const sd = Math.sqrt(s / x.length);
  const input: NdArray = { data: Float32Array.from(x, (v) => (v - m) / (sd + 1e-6)), shape: [1, 1, 512, 512], dtype: 'float32' };

  const ortWeb = await loadOrtNode();
  const ortNode = (await import('onnxruntime-node')) as unknown as OrtModule;
  const [web, tWebCreate] = await timed(() => createOnnxSession(ortWeb, weights, 'weights.onnx', ['wasm']));
  const [nat, tNatCreate] = await timed(() => createOnnxSession(ortNode, weights, 'weights.onnx', ['cpu']));
  console.log(`session create: onnxruntime-web ${ms(tWebCreate)}, onnxruntime-node ${ms(tNatCreate)}`);

  const run = (sess: ModelSession) => timed(() => sess.run([input]));
  // warm-up (first runs allocate)
  const [[ow]] = await run(web);
  const [[on]] = await run(nat);
  let maxDiff = 0;
  for (let i = 0; i < ow.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs((ow.data[i] as number) - (on.data[i] as number)));
  const tw: number[] = [];
  const tn: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    tw.push((await run(web))[1]);
    tn.push((await run(nat))[1]);
  }
  const mw = median(tw);
  const mn = median(tn);
  console.log(`unet2d_nuclei_broad 512×512, median of ${ROUNDS} (interleaved):`);
  console.log(`  onnxruntime-web (wasm, 1 thread)  ${ms(mw)}   [${tw.map((t) => t.toFixed(0)).join(', ')}]`);
  console.log(`  onnxruntime-node (cpu)            ${ms(mn)}   [${tn.map((t) => t.toFixed(0)).join(', ')}]`);
  console.log(`  ratio web / node: ${(mw / mn).toFixed(2)}×   (outputs agree to max |Δ| ${maxDiff.toExponential(2)})`);
  await web.release();
  await nat.release();

  // ---- tiling overhead on 2048×2048 ----
  const pkg = await openModelPackageNode(path.join(UNET, 'bioimageio.yaml'));
  const runner = await ModelRunner.create(pkg, ortWeb);
  const big = new Float32Array(2048 * 2048);
  for (let ty = 0; ty < 4; ty++)
    for (let tx = 0; tx < 4; tx++)
      for (let y = 0; y < 512; y++) big.set(x.subarray(y * 512, y * 512 + 512), (ty * 512 + y) * 2048 + tx * 512);
  const session = runner.session;
  const plainRun = session.run.bind(session);
  let runSum = 0;
  let blocks = 0;
  session.run = async (feeds) => {
    const [r, t] = await timed(() => plainRun(feeds));
    runSum += t;
    blocks++;
    return r;
  };
  const [out, total] = await timed(() => runner.predict([{ data: big, shape: [1, 1, 2048, 2048], dtype: 'float32' }]));
  const overhead = total - runSum;
  console.log(`tiling 2048×2048 with onnxruntime-web: ${blocks} blocks of 512² (halo 32), output [${out.probability.shape}]`);
  console.log(`  predict total ${ms(total)}, sum of the blocks' run() ${ms(runSum)} (${ms(runSum / blocks)} per block)`);
  console.log(`  overhead (processing over the whole image, reflect-padded gather, stitching): ${ms(overhead)} = ${((overhead / runSum) * 100).toFixed(1)}% of inference; ratio total / Σ blocks ${(total / runSum).toFixed(3)}×`);
  await runner.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
