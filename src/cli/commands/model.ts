import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { fitToInput, mapAxes, type InputImage } from '../../model/fit-axes.js';
import { encodeImage } from '../../model/image-io.js';
import { loadOrtNode, openModelPackageNode, openZarrStoreNode, readInputImageNode } from '../../model/node.js';
import { DEFAULT_MAX_INPUT_BYTES, InputTooLargeError, parseSelection, readZarrRegion, wholeSelection } from '../../model/region.js';
import { ModelRunner, type TestReport } from '../../model/runner.js';
import type { TensorSpec } from '../../model/spec.js';
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
    .addHelpText('after', `\nA TIFF input is its first series (all OME-XML planes, named axes mapped to the model's). An input may\ndecode to at most ${DEFAULT_MAX_INPUT_BYTES / 2 ** 30} GiB; set IMJOY_SHARE_MAX_INPUT_BYTES (bytes) to change that.`)
    .action(async (src: string, input: string, opts: { output: string; block?: string; array?: string; region?: string }) => {
      const fmt = /\.tiff?$/i.test(opts.output) ? 'tif' : /\.npy$/i.test(opts.output) ? 'npy' : undefined;
      if (!fmt) throw new Error(`${opts.output}: the output must end in .npy, .tif or .tiff`);
      let block: Record<string, number> | undefined;
      if (opts.block) {
        const m = /^(\d+),(\d+)$/.exec(opts.block.trim());
        if (!m) throw new Error(`--block ${opts.block}: expected Y,X (two positive integers)`);
        block = { y: Number(m[1]), x: Number(m[2]) };
      }
      const pkg = await openModelPackageNode(src);
      let image: InputImage;
      let runner: ModelRunner;
      try {
        image = await readInput(input, opts, pkg.spec.inputs[0]);
        runner = await ModelRunner.create(pkg, await loadOrtNode());
      } catch (e) {
        await pkg.close?.();
        throw e;
      }
      const bar = progressBar(`predict ${path.basename(input)}`);
      const t = Date.now();
      try {
        const x = fitToInput(image, runner.spec.inputs[0], input);
        const out = await runner.predict([x], { block, onProgress: bar.update }).catch((e: Error) => {
          // shape and processing errors name the tensor and axis; the user needs the file too
          throw e.message.startsWith(`${input}: `) ? e : new Error(`${input}: ${e.message}`);
        });
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

/** The input image; a TIFF is refused from its header when its axes do not fit the model's. */
async function readInput(input: string, opts: { array?: string; region?: string }, spec: TensorSpec): Promise<InputImage> {
  const maxBytes = maxInputBytes();
  try {
    if (opts.array === undefined && opts.region === undefined) {
      return await readInputImageNode(input, { maxBytes, check: (axes, shape) => void mapAxes(axes, shape, spec, input) });
    }
    const store = await openZarrStoreNode(input);
    try {
      const path0 = opts.array ?? '';
      const sel = opts.region ? parseSelection(opts.region) : await wholeSelection(store, path0);
      return { array: await readZarrRegion(store, path0, sel, input, { maxBytes }) };
    } finally {
      await store.close();
    }
  } catch (e) {
    if (e instanceof InputTooLargeError) throw new Error(`${e.message}; IMJOY_SHARE_MAX_INPUT_BYTES sets the limit`);
    throw e;
  }
}

/** The decoded-size limit for one input: IMJOY_SHARE_MAX_INPUT_BYTES (bytes) or the default. */
function maxInputBytes(): number {
  const v = process.env.IMJOY_SHARE_MAX_INPUT_BYTES;
  if (v === undefined || v === '') return DEFAULT_MAX_INPUT_BYTES;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`IMJOY_SHARE_MAX_INPUT_BYTES: "${v}" is not a positive whole number of bytes`);
  return n;
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
