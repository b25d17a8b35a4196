import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateLoaded } from '../../src/rdf/full.js';
import { loadRdfNode, nodeFileAccess } from '../../src/rdf/node.js';
import { parseRdf } from '../../src/rdf/parse.js';
import { validateRdf } from '../../src/rdf/validate.js';
import { DATA, isNaiveTimestampOnly, schemaVerdict } from './schema-oracle.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

// The real-RDF corpus is checked against the official validator's own verdicts (corpus.corpus.test.ts),
// which accept what the JSON schema cannot express (converters: DOI prefixes, 0.3 models, …).
const files = yamlFiles(DATA).filter((f) => !path.relative(DATA, f).startsWith('rdf-corpus')).sort();
// Defects the schema cannot see (cross-field rules and test tensor shapes). Paths are the official
// validator's: a model-level rule is reported at the root ("" , with `at` for the line). The two
// stardist "wrong shape" files are valid *format* for the official validator (its own examples):
// the batch mapping is a warning, the test tensor shape a file-level error.
const SCHEMA_BLIND = {
  'models/unet2d_nuclei_broad/invalid_v0_4_0_duplicate_tensor_names.bioimageio.yaml': { path: '', message: /already used by inputs\.0/, level: 'format' },
  'models/stardist_example_model/rdf_wrong_shape_v0_4.yaml': { path: 'outputs.0.shape.offset.0', message: /batch/, level: 'warning' },
  'models/stardist_example_model/rdf_wrong_shape2_v0_4.yaml': { path: 'test_inputs.0', message: /512 is not 80 \+ k·17/, level: 'files' },
} as Record<string, { path: string; message: RegExp; level: 'format' | 'warning' | 'files' }>;

describe('every shared RDF: verdict vs the official JSON schema (ajv)', () => {
  it('finds the shared RDFs', () => {
    expect(files.length).toBeGreaterThanOrEqual(16);
  });

  for (const f of files) {
    const rel = path.relative(DATA, f);
    it(rel, async () => {
      const parsed = parseRdf(readFileSync(f, 'utf8'), { name: rel });
      const ours = validateRdf(parsed);
      const oracle = schemaVerdict(parsed.data);
      expect(oracle.valid).not.toBeUndefined();
      if (oracle.valid === true) {
        // Schema-valid: we agree, unless the file has a defect the schema cannot express.
        if (!SCHEMA_BLIND[rel]) expect(ours.errors, JSON.stringify(ours.errors)).toEqual([]);
      } else if (!isNaiveTimestampOnly(oracle)) {
        expect(ours.valid).toBe(false);
      } else {
        // The schema only objects to a time-zone-less timestamp, which bioimageio.spec accepts: we warn.
        expect(ours.warnings.some((w) => w.path === 'timestamp' && /time zone/.test(w.message))).toBe(true);
      }
      const blind = SCHEMA_BLIND[rel];
      if (blind) {
        // Ours catches it (statically, or with the referenced test tensor for wrong_shape2).
        const full = await validateLoaded(await loadRdfNode(f), { access: nodeFileAccess(), hashes: false });
        const list = blind.level === 'format' ? full.errors : blind.level === 'warning' ? full.warnings : full.files.errors;
        const hit = list.find((e) => e.path === blind.path);
        expect(hit, JSON.stringify(full.errors)).toBeDefined();
        expect(hit!.message).toMatch(blind.message);
        expect(hit!.line).toBeGreaterThan(0);
        const line = readFileSync(f, 'utf8').split('\n')[hit!.line! - 1]!;
        expect(line.length).toBeGreaterThan(0);
      }
    });
  }

  it('the schema-blind files are schema-valid apart from the naive timestamp (so only we catch them)', () => {
    for (const rel of Object.keys(SCHEMA_BLIND)) {
      const v = schemaVerdict(parseRdf(readFileSync(path.join(DATA, rel), 'utf8'), { name: rel }).data);
      expect(v.valid === true || isNaiveTimestampOnly(v), rel).toBe(true);
    }
  });
});
