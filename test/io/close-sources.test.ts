/**
 * Local files opened by the CLI are closed when the command is done, not left to the garbage
 * collector (Node warned "Closing file descriptor N on garbage collection" after `smlm convert`).
 * Counted through /proc/self/fd (Linux).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runTest } from '../../src/cli/commands/model.js';
import { smlmConvert, smlmInfo } from '../../src/cli/commands/smlm.js';
import { generateDemoModel } from '../../src/demo/model.js';
import { FileSource } from '../../src/io/file-source.js';
import { withNodeSource } from '../../src/io/open-node.js';
import { dataSummary, testData } from '../helpers/fixtures.js';

const openFds = () => fs.readdirSync('/proc/self/fd').length;
const smlm = path.join(testData(), 'smlm', dataSummary().smlm.file);

describe('file sources are closed', () => {
  it('withNodeSource closes the file after success and after an error', async () => {
    const before = openFds();
    expect((await withNodeSource(smlm, (s) => s.read(0, 4))).length).toBe(4);
    await expect(withNodeSource(smlm, async (s) => { await s.read(0, 4); throw new Error('boom'); })).rejects.toThrow('boom');
    expect(openFds()).toBe(before);
  });

  it('smlm info and smlm convert leave no file open', async () => {
    const before = openFds();
    expect((await smlmInfo(smlm)).tables.length).toBeGreaterThan(0);
    expect((await smlmInfo(smlm, 2)).tables[0].head?.length).toBe(2);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'close-')), 'e.csv');
    await smlmConvert(smlm, out);
    expect(fs.statSync(out).size).toBeGreaterThan(1000);
    expect(openFds()).toBe(before);
  });

  it('model test and rdf validate on a package zip leave no file open (also after a failure)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'close-model-'));
    await generateDemoModel(dir);
    const zip = path.join(dir, 'model.zip');
    const bad = path.join(dir, 'not-a-model.zip');
    fs.writeFileSync(bad, fs.readFileSync(zip).subarray(0, 100)); // no central directory
    await runTest(zip); // warm-up: onnxruntime keeps its own handles open for good
    const before = openFds();
    // the GC may close a forgotten handle before we count: also watch close() itself
    const closes = vi.spyOn(FileSource.prototype, 'close');
    const closed = () => closes.mock.contexts.map((c) => (c as FileSource).path);
    expect((await runTest(zip)).passed).toBe(true);
    expect(closed()).toEqual([zip]);
    await expect(runTest(bad)).rejects.toThrow(/not-a-model\.zip/);
    expect(closed()).toEqual([zip, bad]);
    const write = process.stdout.write;
    let out = '';
    process.stdout.write = ((c: string) => ((out += c), true)) as typeof process.stdout.write;
    try {
      await main(['node', 'imjoy-share', 'rdf', 'validate', zip, '--json']);
    } finally {
      process.stdout.write = write;
      process.exitCode = 0;
    }
    expect(JSON.parse(out).valid).toBe(true);
    expect(closed()).toEqual([zip, bad, zip]);
    closes.mockRestore();
    expect(openFds()).toBe(before);
  });
});
