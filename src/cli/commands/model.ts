import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { decodeImage, encodeImage } from '../../model/image-io.js';
import { loadOrtNode, openModelPackageNode, openZarrStoreNode } from '../../model/node.js';
import { parseSelection, readZarrRegion, wholeSelection } from '../../model/region.js';
import { decodePngNode } from '../../model/png-node.js';
import { ModelRunner, type TestReport } from '../../model/runner.js';
import { progressBar } from '../progress.js';

/** `model test` and `model predict`: exit 0 pass/ok, 1 failed test, 2 cannot run. */
export function registerModel(program: Command) {
  const model = program.command('model').description('run BioImage.IO models (ONNX weights) locally: spec test and prediction');
  model
    .command('test')
    .description('run every test input and compare with the test outputs (spec tolerances); exit 0 pass, 1 fail, 2 cannot run')
    .argument('<rdf-or-zip>', 'bioimageio.yaml / rdf.yaml path or URL, a model folder, or a model package .zip')
    .option('--json', 'print {"passed", "outputs": [{"name", "max_abs_diff", "mismatched", "total", "passed"}]}')
    .action(async (src: string, opts: { json?: boolean }) => {
      const report = await runTest(src);
      if (opts.json) {
        const out = {
          passed: report.passed,
          outputs: report.outputs.map(({ name, max_abs_diff, mismatched, total, passed }) => ({
            name,
            max_abs_diff: Number.isFinite(max_abs_diff) ? max_abs_diff : null,
            mismatched,
            total,
            passed,
          })),
          shape_checks: report.shapeChecks.map((c) => ({ inputs: c.inputs, outputs: c.outputs, passed: c.passed })),
        };
        process.stdout.write(JSON.stringify(out) + '\n');
      } else {
        for (const o of report.outputs) {
          console.log(
            `${o.passed ? 'PASS' : 'FAIL'} ${o.name}: max |Δ| ${o.max_abs_diff.toExponential(3)}, ${o.mismatched}/${o.total} mismatched (${o.detail})`,
          );
        }
        for (const c of report.shapeChecks) {
          const outs = c.outputs.map((o) => `${o.name} [${o.shape}]${c.passed ? '' : ` (expected [${o.expected}])`}`).join(', ');
          console.log(`${c.passed ? 'PASS' : 'FAIL'} shapes: input [${c.inputs.join('] [')}] → ${outs}`);
        }
        console.log(report.passed ? 'model test passed' : 'model test FAILED');
      }
      process.exitCode = report.passed ? 0 : 1;
    });
  model
    .command('predict')
    .description('predict one input image (.npy, .tif, .png) and write the first output (.npy or .tif)')
    .argument('<rdf-or-zip>', 'bioimageio.yaml / rdf.yaml path or URL, a model folder, or a model package .zip')
    .argument('<input>', 'input image: .npy, .tif/.tiff or .png; or a Zarr store (references .json, Zarr URL or folder) with --array/--region')
    .requiredOption('-o, --output <file>', 'output file: .npy or .tif/.tiff')
    .option('--block <Y,X>', 'tile the input in blocks of this size (halo included), e.g. 256,256')
    .option('--array <path>', 'Zarr input: path of the array in the store (e.g. 0 for the full-resolution OME-Zarr level)')
    .option('--region <selection>', 'Zarr input: numpy-style selection, e.g. 0,:,1000:1512,2000:2512')
    .action(async (src: string, input: string, opts: { output: string; block?: string; array?: string; region?: string }) => {
      const fmt = /\.tiff?$/i.test(opts.output) ? 'tif' : /\.npy$/i.test(opts.output) ? 'npy' : undefined;
      if (!fmt) throw new Error(`${opts.output}: the output must end in .npy, .tif or .tiff`);
      let block: Record<string, number> | undefined;
      if (opts.block) {
        const m = /^(\d+),(\d+)$/.exec(opts.block.trim());
        if (!m) throw new Error(`--block ${opts.block}: expected Y,X (two positive integers)`);
        block = { y: Number(m[1]), x: Number(m[2]) };
      }
      let image;
      if (opts.array !== undefined || opts.region !== undefined) {
        const store = await openZarrStoreNode(input);
        const path0 = opts.array ?? '';
        const arr = opts.region ? parseSelection(opts.region) : undefined;
        image = await readZarrRegion(store, path0, arr ?? (await wholeSelection(store, path0)), input);
      } else {
        const bytes = await fs.readFile(input).catch((e: NodeJS.ErrnoException) => {
          throw new Error(`${input}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
        });
        image = await decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), input, decodePngNode);
      }
      const pkg = await openModelPackageNode(src);
      const runner = await ModelRunner.create(pkg, await loadOrtNode()).catch(async (e) => {
        await pkg.close?.();
        throw e;
      });
      const bar = progressBar(`predict ${path.basename(input)}`);
      const t = Date.now();
      try {
        const out = await runner.predict([image], { block, onProgress: bar.update });
        bar.stop();
        const first = runner.spec.outputs[0].id;
        await fs.writeFile(opts.output, encodeImage(out[first], fmt, opts.output));
        console.error(`${first}: shape [${out[first].shape}] ${out[first].dtype} → ${opts.output} (${Date.now() - t} ms)`);
      } finally {
        bar.stop();
        await runner.release();
        await pkg.close?.();
      }
    });
}

export async function runTest(src: string): Promise<TestReport> {
  const pkg = await openModelPackageNode(src);
  try {
    const runner = await ModelRunner.create(pkg, await loadOrtNode());
    try {
      return await runner.test();
    } finally {
      await runner.release();
    }
  } finally {
    await pkg.close?.();
  }
}
