import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/host.js';
import { python, repoRoot } from '../helpers/paths.js';

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), ...args], { cwd: work, timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );
let work: string;

/** Every CLI failure: one line naming the file, exit 2, nothing on stdout, no stack trace. */
function expectCleanError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |node:internal/);
}

beforeAll(async () => {
  await run(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot });
  work = tmpDir('imjoy-share-cli-');
});

describe('CLI on bad input and closed pipes', () => {
  it('ref into a pipe whose reader quits (`ref x.tif | head`) stops quietly with exit 0', async () => {
    const tif = path.join(work, 'many-tiles.tif');
    // 4096 tiles: the reference JSON is far larger than a pipe's buffer
    await run(python, ['-c', `import numpy as np, tifffile; tifffile.imwrite(${JSON.stringify(tif)}, np.zeros((4, 512, 512), 'uint16'), tile=(16, 16))`]);
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'ref', tif], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const first = await new Promise<Buffer>((r) => child.stdout.once('data', r));
    expect(first.toString('utf8', 0, 12)).toBe('{"version":1');
    child.stdout.destroy(); // what `head` does once it has its lines
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('ref check on JSON that is not a reference set: one line, nothing printed before it', async () => {
    fs.writeFileSync(path.join(work, 'other.json'), '{"name": "not references"}');
    expectCleanError(await cli(['ref', 'check', 'other.json']), /^imjoy-share: other\.json: not a reference set/);
    fs.writeFileSync(path.join(work, 'string.json'), '"http://example.invalid/refs.json"');
    expectCleanError(await cli(['ref', 'check', 'string.json']), /^imjoy-share: string\.json: not a reference set/);
    fs.writeFileSync(path.join(work, 'broken.json'), '{"refs": ');
    expectCleanError(await cli(['ref', 'check', 'broken.json']), /^imjoy-share: broken\.json: not valid reference JSON/);
  });

  it('smlm info on a text file of words is refused (it is not a localization table)', async () => {
    fs.writeFileSync(path.join(work, 'notes.txt'), 'meeting notes\n3 4\n5 6\n');
    expectCleanError(await cli(['smlm', 'info', 'notes.txt']), /notes\.txt line 1: not a localization table: the header \(meeting, notes\) has no x and y columns/);
    fs.writeFileSync(path.join(work, 'prose.txt'), 'hello world this is\nsome notes about\n');
    expectCleanError(await cli(['smlm', 'info', 'prose.txt']), /prose\.txt/);
  });

  it('missing files are named', async () => {
    expectCleanError(await cli(['ref', 'nothing-here.tif']), /nothing-here\.tif: no such file/);
    expectCleanError(await cli(['smlm', 'info', 'nothing-here.smlm']), /nothing-here\.smlm/);
  });

  it('rdf --help promises only subcommands and options that exist', async () => {
    const r = await cli(['rdf', '--help']);
    expect(r.code).toBe(0);
    const subs = [...r.stdout.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]).filter((n) => n !== 'help');
    expect(subs.sort()).toEqual(['search', 'show', 'validate']);
    expect(r.stdout).not.toMatch(/convert preview,/);
    if (/--convert-preview/.test(r.stdout)) expect((await cli(['rdf', 'show', '--help'])).stdout).toContain('--convert-preview');
  });
});
