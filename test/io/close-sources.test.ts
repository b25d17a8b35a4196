/**
 * Local files opened by the CLI are closed when the command is done, not left to the garbage
 * collector (Node warned "Closing file descriptor N on garbage collection" after `smlm convert`).
 * Counted through /proc/self/fd (Linux).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { smlmConvert, smlmInfo } from '../../src/cli/commands/smlm.js';
import { withNodeSource } from '../../src/io/open-node.js';
import { sharedData } from '../helpers/paths.js';

const openFds = () => fs.readdirSync('/proc/self/fd').length;
const smlm = path.join(sharedData, 'smlm', 'eiffel_tower.smlm');

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
});
