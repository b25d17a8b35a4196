#!/usr/bin/env node
// The CLI is TypeScript bundled by build.mjs into dist/cli.mjs; build it on first use.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  execFileSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
const { main } = await import(cli.href);
await main(process.argv);
