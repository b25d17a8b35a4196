import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, ['bin/imjoy-share.mjs', ...args], { cwd: repoRoot, timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );

beforeAll(async () => {
  await run(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot });
});

describe('imjoy-share CLI', () => {
  it('prints --version from package.json and --help listing serve', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default;
    expect((await cli(['--version'])).stdout.trim()).toBe(pkg.version);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/serve/);
  });

  it('has --help on every subcommand', async () => {
    const help = await cli(['--help']);
    const names = [...help.stdout.matchAll(/^ {2}(\w[\w-]*)/gm)].map((m) => m[1]).filter((n) => n !== 'help');
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) {
      const r = await cli([n, '--help']);
      expect(r.code, n).toBe(0);
      expect(r.stdout, n).toContain(`Usage: imjoy-share ${n}`);
    }
  });

  it('exits 2 with a message on an unknown command', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it('serve: a clear message when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await cli(['serve', '--no-demo', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });
});
