import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadOrtNode, openModelPackageNode } from '../../src/model/node.js';
import { ModelRunner } from '../../src/model/runner.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const UNET = path.resolve(repoRoot, '../shared/data/bioimageio/models/unet2d_nuclei_broad');

describe('unet2d_nuclei_broad (real zoo model, ONNX) passes the spec test in Node', { timeout: 240_000 }, () => {
  for (const file of ['bioimageio.yaml', 'v0_4_9.bioimageio.yaml']) {
    it(file, async () => {
      const pkg = await openModelPackageNode(path.join(UNET, file));
      const runner = await ModelRunner.create(pkg, await loadOrtNode());
      const report = await runner.test();
      await runner.release();
      expect(report.outputs).toHaveLength(1);
      const o = report.outputs[0];
      expect(o.name).toBe('probability');
      expect(o.total).toBe(512 * 512);
      expect(o.mismatched).toBe(0);
      expect(o.max_abs_diff).toBeLessThan(1e-4);
      expect(report.passed).toBe(true);
    });
  }
});
