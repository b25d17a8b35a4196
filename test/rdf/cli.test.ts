import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

// The CLI on the real zoo model folder and RDFs: cli.corpus.test.ts; on the demo model: zip.test.ts.
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'rdf', ...args], { encoding: 'utf8', cwd: repoRoot });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rdf-cli-'));

beforeAll(() => {
  const b = spawnSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(b.stderr);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('imjoy-share rdf: bad input', () => {
  it('validate: unreadable → exit 2 (missing file, YAML error, alias bomb)', () => {
    expect(cli('validate', path.join(tmp, 'nope.yaml')).status).toBe(2);
    writeFileSync(path.join(tmp, 'broken.yaml'), 'name: [a\n');
    const b = cli('validate', path.join(tmp, 'broken.yaml'), '--json');
    expect(b.status).toBe(2);
    expect(JSON.parse(b.stdout)).toMatchObject({ valid: false, readable: false, line: 2 });
    writeFileSync(path.join(tmp, 'bomb.yaml'), ['a: &a [x,x,x,x,x,x,x,x,x]'].concat('bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill('*' + 'abcdefg'[i]).join(',')}]`)).join('\n'));
    const bomb = cli('validate', path.join(tmp, 'bomb.yaml'));
    expect(bomb.status).toBe(2);
    expect(bomb.stderr).toContain('bomb.yaml: YAML alias expansion exceeds the limit');
  });
});
