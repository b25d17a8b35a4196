import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of imjoy-share's package.json (where dist/, slides/ and manifest.imjoy.json are).
 * Found by walking up from this module rather than by a fixed `..`: the same code runs from
 * src/cli/ under vitest, from dist/ and from dist/cli-chunks/ once bundled, and from
 * node_modules/imjoy-share/ when installed.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'imjoy-share') return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find imjoy-share's package.json above ${from}`);
  }
}
