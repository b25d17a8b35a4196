import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
// imjoy-core's own parser and config schema are the independent judges of our plugin files.
import { parseComponent } from 'imjoy-core/src/pluginParser.js';
import { CONFIG_SCHEMA } from 'imjoy-core/src/api.js';
import { checkPluginConfig, fileNameOf, manifestOf, productPluginDirs, readPluginConfig, pluginHtml } from '../../build.mjs';
import { repoRoot } from '../helpers/paths.js';

const fixtureDirs = () =>
  fs.readdirSync(path.join(repoRoot, 'test/fixtures/plugins')).map((d) => path.join(repoRoot, 'test/fixtures/plugins', d));

beforeAll(() => {
  if (!fs.existsSync(path.join(repoRoot, 'dist/test-plugins'))) execFileSync(process.execPath, ['build.mjs', '--no-manifest'], { cwd: repoRoot });
});

describe('plugin build', () => {
  it('writes .imjoy.html files that imjoy-core parses, with configs that pass its CONFIG_SCHEMA', () => {
    const built = [
      ...productPluginDirs().map((d: string) => ['plugins', d]),
      ...fixtureDirs().map((d) => ['test-plugins', d]),
    ];
    expect(built.length).toBeGreaterThanOrEqual(2);
    for (const [out, dir] of built) {
      const config = readPluginConfig(dir);
      const file = path.join(repoRoot, 'dist', out, `${fileNameOf(config)}.imjoy.html`);
      const comp = parseComponent(fs.readFileSync(file, 'utf8'));
      const parsed = JSON.parse(comp.config[0].content);
      expect(parsed).toEqual(config);
      expect(comp.script[0].attrs.lang).toBe('javascript');
      expect(comp.script[0].content.length).toBeGreaterThan(50);
      const ok = CONFIG_SCHEMA({ ...parsed, id: 'x', allow_execution: true });
      expect(ok, `${file}: ${JSON.stringify(CONFIG_SCHEMA.errors)}`).toBe(true);
      if (config.type === 'window' && fs.existsSync(path.join(dir, 'window.html'))) expect(comp.window.length).toBe(1);
    }
  });

  it('keeps blocks intact when the script contains closing tags', () => {
    const html = pluginHtml({ name: 'x' }, { script: 'const s = "</script><b>";', style: 'a{}', docs: '</docs> in docs' });
    const comp = parseComponent(html);
    expect(comp.script[0].content).toContain('<\\/script><b>');
    expect(comp.docs[0].content).toContain('<\\/docs> in docs');
  });

  it('enforces ImJoy config rules with clear messages', () => {
    const good = { name: 'A', type: 'window', version: '0.1.0', description: 'd', api_version: '0.1.8' };
    expect(() => checkPluginConfig(good, 'p')).not.toThrow();
    expect(() => checkPluginConfig({ ...good, name: 'x'.repeat(49) }, 'p')).toThrow(/p: name must be 1..48/);
    expect(() => checkPluginConfig({ ...good, name: 'a/b' }, 'p')).toThrow(/must not contain "\/"/);
    expect(() => checkPluginConfig({ ...good, description: 'd'.repeat(257) }, 'p')).toThrow(/description/);
    expect(() => checkPluginConfig({ ...good, api_version: '0.1.7' }, 'p')).toThrow(/api_version/);
    expect(() => checkPluginConfig({ ...good, version: 'one' }, 'p')).toThrow(/version/);
  });

  it('the committed manifest.imjoy.json equals what the build produces', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(repoRoot, 'manifest.imjoy.json'), 'utf8'));
    const expected = manifestOf(productPluginDirs().map((d: string) => {
      const config = readPluginConfig(d);
      return { config, uri: `${fileNameOf(config)}.imjoy.html` };
    }));
    expect(committed, 'run `node build.mjs` and commit manifest.imjoy.json').toEqual(expected);
    for (const p of committed.plugins) expect(fs.existsSync(path.join(repoRoot, committed.uri_root, p.uri))).toBe(true);
  });
});
