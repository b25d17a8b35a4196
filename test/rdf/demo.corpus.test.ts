import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoRdfs } from '../../src/demo/rdfs.js';
import { loadRdfNode } from '../../src/rdf/node.js';
import { tmpDir } from '../helpers/host.js';
import { schemaVerdict } from './schema-oracle.js';

let dir: string;
beforeAll(async () => {
  dir = tmpDir('rdf-demo-');
  await generateDemoRdfs(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('demo RDFs against the official JSON schema (corpus file bioimageio_schema.json)', () => {
  it('the demo model is schema-valid', async () => {
    const l = await loadRdfNode(path.join(dir, 'model'));
    expect(schemaVerdict(l.parsed.data).valid).toBe(true);
  });
});
