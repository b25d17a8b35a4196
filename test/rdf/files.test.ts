import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SourceError, type ByteSource } from '../../src/io/byte-source.js';
import { checkFiles, type FileAccess, type SkippedFile } from '../../src/rdf/files.js';
import { validateLoaded } from '../../src/rdf/full.js';
import { loadRdfNode, nodeFileAccess } from '../../src/rdf/node.js';

// Referenced files of the real zoo models (sha256, test tensor shapes, over HTTP): files.corpus.test.ts.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rdf-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('writing a local RDF with relative references', () => {
  it('resolves ../ references', async () => {
    const dir = path.join(tmp, 'a', 'b');
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(path.join(tmp, 'a', 'doc.md'), '# hi');
    writeFileSync(path.join(dir, 'rdf.yaml'), 'type: dataset\nformat_version: 0.2.4\nname: x\ndescription: y\ndocumentation: ../doc.md\n');
    const l = await loadRdfNode(dir);
    const r = await validateLoaded(l, { access: nodeFileAccess() });
    expect(r.errors).toEqual([]);
    expect(r.files.errors).toEqual([]);
  });
});

describe('documentation that cannot be read', () => {
  const rdf = { type: 'dataset', format_version: '0.2.4', name: 'x', description: 'y', documentation: 'doc.md' };
  /** Every file has a size; reading it gives `read()`'s answer. */
  const access = (read: () => Promise<Uint8Array>): FileAccess => ({
    sha256: nodeFileAccess().sha256,
    open: (loc) => ({ name: loc, size: async () => 4, read }) as ByteSource,
  });

  it('a read that fails (network) is a skipped check naming the cause, not "not UTF-8"', async () => {
    const skipped: SkippedFile[] = [];
    const issues = await checkFiles(rdf, 'https://example.org/r/', access(async () => { throw new SourceError('https://example.org/r/doc.md', 'connection reset'); }), { skipped });
    expect(issues).toEqual([{ path: 'documentation', severity: 'warning', message: expect.stringMatching(/could not check documentation file "doc\.md": .*connection reset/) }]);
    expect(skipped.map((x) => x.path)).toEqual(['documentation']);
  });

  it('bytes that are not UTF-8 are still an error', async () => {
    const issues = await checkFiles(rdf, 'https://example.org/r/', access(async () => new Uint8Array([0x23, 0x20, 0xff, 0xfe])));
    expect(issues).toEqual([{ path: 'documentation', severity: 'error', message: 'documentation is not UTF-8 text' }]);
  });
});
