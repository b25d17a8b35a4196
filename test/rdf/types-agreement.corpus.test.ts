/**
 * Application / notebook / dataset descriptions in 0.2 and 0.3, derived from the shared dataset
 * RDF: our verdict must equal the official JSON schema's on each variant (valid ones and one defect each).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRdf } from '../../src/rdf/parse.js';
import { validateData } from '../../src/rdf/validate.js';
import { DATA, schemaVerdict } from './schema-oracle.js';

const base = parseRdf(readFileSync(path.join(DATA, 'datasets/covid_if_training_data/bioimageio.yaml'), 'utf8'), { name: 'covid' }).data as Record<string, unknown>;

type V = Record<string, unknown>;
const variants: [string, (d: V) => void][] = [
  ['dataset 0.2 as is', () => {}],
  ['dataset 0.3', (d) => (d.format_version = '0.3.0')],
  ['application 0.2', (d) => (d.type = 'application')],
  ['application 0.3 with a relative source', (d) => Object.assign(d, { type: 'application', format_version: '0.3.0', source: 'app.imjoy.html' })],
  ['notebook 0.2', (d) => Object.assign(d, { type: 'notebook', source: 'notebook.ipynb' })],
  ['notebook 0.3', (d) => Object.assign(d, { type: 'notebook', format_version: '0.3.0', source: 'https://example.org/nb.ipynb' })],
  ['notebook 0.2 without source', (d) => Object.assign(d, { type: 'notebook', source: undefined })],
  ['notebook 0.3 without source', (d) => Object.assign(d, { type: 'notebook', format_version: '0.3.0', source: undefined })],
  ['dataset 0.3 name too short', (d) => Object.assign(d, { format_version: '0.3.0', name: 'Cov' })],
  ['dataset 0.2 short name is fine', (d) => (d.name = 'Cov')],
  ['dataset 0.3 non-SPDX license', (d) => Object.assign(d, { format_version: '0.3.0', license: 'my own license' })],
  ['dataset 0.2 non-SPDX license (a warning only)', (d) => (d.license = 'my own license')],
  ['dataset 0.3 description over 1024 chars', (d) => Object.assign(d, { format_version: '0.3.0', description: 'x'.repeat(1100) })],
  ['dataset 0.2 author without name', (d) => (d.authors = [{ github_user: 'someone' }])],
  ['dataset 0.3 maintainer without github_user', (d) => Object.assign(d, { format_version: '0.3.0', maintainers: [{ name: 'A B' }] })],
  ['dataset 0.3 cite DOI malformed', (d) => Object.assign(d, { format_version: '0.3.0', cite: [{ text: 't', doi: 'doi:10.1/x' }] })],
  ['dataset 0.3 git_repo not a URL', (d) => Object.assign(d, { format_version: '0.3.0', git_repo: 'github.com/x/y' })],
  ['dataset 0.3 badges', (d) => Object.assign(d, { format_version: '0.3.0', badges: [{ label: 'l', url: 'https://b.org/x.svg' }] })],
  ['dataset 0.3 badge without url', (d) => Object.assign(d, { format_version: '0.3.0', badges: [{ label: 'l' }] })],
  ['dataset 0.3 attachments as file list', (d) => Object.assign(d, { format_version: '0.3.0', attachments: [{ source: 'a.csv' }] })],
  ['dataset 0.3 attachments in 0.2 form', (d) => Object.assign(d, { format_version: '0.3.0', attachments: { files: ['a.csv'] } })],
  ['dataset 0.2 unknown field', (d) => (d.colour = 'blue')],
  ['dataset 0.2 tags not a list', (d) => (d.tags = 'a, b')],
  ['dataset 0.3 uploader without email', (d) => Object.assign(d, { format_version: '0.3.0', uploader: { name: 'x' } })],
];

// The official 0.3 converter turns `attachments: {files: [...]}` into a file list before
// validating, so bioimageio.spec accepts what its JSON schema alone rejects.
const OFFICIAL_CONVERTER_ACCEPTS = new Set(['dataset 0.3 attachments in 0.2 form']);

describe('generic resource types: our verdict equals the schema on every variant', () => {
  for (const [name, f] of variants) {
    it(name, () => {
      const d = structuredClone(base);
      f(d);
      for (const k of Object.keys(d)) if (d[k] === undefined) delete d[k];
      const ours = validateData(d);
      const theirs = schemaVerdict(d);
      expect(theirs.valid).not.toBeUndefined();
      const expected = OFFICIAL_CONVERTER_ACCEPTS.has(name) ? true : theirs.valid;
      expect(ours.valid, JSON.stringify({ ours: ours.errors, schema: theirs.errors.slice(0, 3) })).toBe(expected);
    });
  }
});
