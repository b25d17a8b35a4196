/**
 * Node edge: demo RDFs for the deck's RDF slide, generated at start-up (never copied from the
 * shared data): the demo model package (a complete, valid 0.5 model with ONNX weights and test
 * tensors, built by src/demo/model-files.ts), an invalid variant with one defect per rule family,
 * a dataset 0.2 description with hostile Markdown, and a collection.json listing them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { buildDemoModel } from './model-files.js';

export const INVALID_DEFECTS = [
  'outputs.0.id duplicates the input id "raw"',
  'preprocessing op "zero_mean_unit_varianse" is misspelled',
  'halo 24 leaves nothing of the minimal output size 32',
  'license "MIT License" is not an SPDX id',
  'weights.onnx.opset_version missing',
  'the input test tensor sha256 is wrong',
];

export async function generateDemoRdfs(dir: string, log: (msg: string) => void = () => {}): Promise<void> {
  const files = await buildDemoModel();
  const model = path.join(dir, 'model');
  fs.mkdirSync(model, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) if (name !== 'sample_input.npy') fs.writeFileSync(path.join(model, name), bytes);

  // One defect per rule family, each on its own line of the YAML.
  const rdf = parse(new TextDecoder().decode(files['bioimageio.yaml'])) as Record<string, any>;
  rdf.name = 'demo blob detector (broken on purpose)';
  rdf.license = 'MIT License';
  rdf.inputs[0].preprocessing[1].id = 'zero_mean_unit_varianse';
  rdf.inputs[0].test_tensor.sha256 = '0'.repeat(64);
  rdf.outputs[0].id = 'raw';
  for (const a of rdf.outputs[0].axes) if (a.halo) a.halo = 24;
  delete rdf.weights.onnx.opset_version;
  fs.writeFileSync(path.join(model, 'invalid.bioimageio.yaml'), stringify(rdf));

  const hostile = path.join(dir, 'hostile');
  fs.mkdirSync(hostile, { recursive: true });
  fs.writeFileSync(
    path.join(hostile, 'rdf.yaml'),
    stringify({
      type: 'dataset',
      format_version: '0.2.4',
      name: 'Dataset with hostile Markdown <script>alert(1)</script>',
      description: 'Its documentation tries scripts, event handlers and javascript: links; the inspector shows them inert.',
      documentation: 'README.md',
      license: 'CC-BY-4.0',
      authors: [{ name: 'Mallory <img src=x onerror=alert(1)>' }],
      cite: [{ text: 'A citation with a javascript: URL', url: 'javascript:alert(1)' }],
      source: 'https://example.org/dataset',
      tags: ['demo', 'security'],
    }),
  );
  fs.writeFileSync(
    path.join(hostile, 'README.md'),
    [
      '# Hostile documentation',
      '',
      'Everything below is neutralised by DOMPurify:',
      '',
      '<script>alert("script")</script>',
      '<img src="nope.png" onerror="alert(\'onerror\')"> an image with an onerror handler',
      '',
      '<a href="javascript:alert(\'href\')">a javascript: link</a> · [a markdown javascript: link](javascript:alert(1)) · [a normal link](https://bioimage.io)',
      '',
      '<div onmouseover="alert(\'hover\')">hover me</div>',
      '',
    ].join('\n'),
  );

  const collection = {
    collection: [
      { id: 'demo/blob-detector', type: 'model', name: 'imjoy-share demo blob detector', description: rdf.description, tags: ['demo', 'onnx', 'blob-detection'], rdf_source: 'model/bioimageio.yaml' },
      { id: 'demo/blob-detector-broken', type: 'model', name: 'demo blob detector (broken on purpose)', description: 'invalid variant', tags: ['demo', 'invalid'], rdf_source: 'model/invalid.bioimageio.yaml' },
      { id: 'demo/hostile-dataset', type: 'dataset', name: 'Dataset with hostile Markdown', description: 'sanitizer demo', tags: ['demo', 'security'], rdf_source: 'hostile/rdf.yaml' },
    ],
  };
  fs.writeFileSync(path.join(dir, 'collection.json'), JSON.stringify(collection, null, 2));
  log(`demo: RDFs (valid model, invalid variant, hostile dataset, collection.json) in ${dir}`);
}
