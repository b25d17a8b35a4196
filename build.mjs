#!/usr/bin/env node
// Builds everything the host serves: ImJoy plugins (.imjoy.html + their assets), the local ImJoy
// host page, the slides runtime, the CLI bundle, and manifest.imjoy.json.
//
//   node build.mjs            build all
//   node build.mjs --watch    rebuild on change
//   node build.mjs --cli-only only dist/cli.mjs (used by bin/imjoy-share.mjs on first run)
//   node build.mjs --only <dir> only plugins/<dir> (or test/fixtures/plugins/<dir>); no manifest
//   node build.mjs --no-manifest  build all but leave manifest.imjoy.json alone (npm test checks it)
//   node build.mjs --clean    remove dist/ first (npm pack: no stale chunks or test plugins in the tarball)
//
// A plugin is a folder plugins/<dir>/ with:
//   plugin.json   the ImJoy <config> (name, type, version, description, tags, icon, api_version, …)
//   index.ts      the entry; bundled with all dependencies into one IIFE that calls api.export(…)
//   window.html   optional <window> content (one root element)
//   style.css     optional <style>
//   docs.md       optional <docs>
//   *.worker.ts   optional web workers, bundled to dist/plugins/<Name>/<file>.js
//   assets.json   optional list of files (paths relative to the repo) copied to dist/plugins/<Name>/
// Runtime assets live next to the .imjoy.html in a folder named like the plugin; plugins find it from
// their own URL (api.getConfig('_uri')), so they work from any host.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');
const argv = process.argv.slice(2);
const args = new Set(argv);
const only = args.has('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

const CONFIG_RULES = [
  [(c) => typeof c.name === 'string' && c.name.length > 0 && c.name.length <= 48, 'name must be 1..48 characters'],
  [(c) => !String(c.name).includes('/'), 'name must not contain "/"'],
  [(c) => typeof c.description === 'string' && c.description.length <= 256, 'description must be a string of ≤ 256 characters'],
  [(c) => /^\d+\.\d+\.\d+/.test(String(c.version)), 'version must be semver'],
  [(c) => c.api_version === '0.1.8', 'api_version must be "0.1.8"'],
  [(c) => ['window', 'web-worker', 'iframe'].includes(c.type), 'type must be window, web-worker or iframe'],
  [(c) => !c.tags || (Array.isArray(c.tags) && c.tags.length <= 32), 'tags must be an array of ≤ 32 items'],
];

export function checkPluginConfig(config, where) {
  for (const [ok, msg] of CONFIG_RULES) if (!ok(config)) throw new Error(`${where}: ${msg}`);
}

export const fileNameOf = (config) => config.name.trim().replace(/\s+/g, '-');

const escapeBlock = (text, tag) => text.replaceAll(`</${tag}`, `<\\/${tag}`);

export function pluginHtml(config, { script, window, style, docs }) {
  const parts = [`<config lang="json">\n${JSON.stringify(config, null, 2)}\n</config>`];
  if (window) parts.push(`<window lang="html">\n${window.trim()}\n</window>`);
  if (style) parts.push(`<style lang="css">\n${escapeBlock(style, 'style')}\n</style>`);
  if (docs) parts.push(`<docs lang="markdown">\n${escapeBlock(docs, 'docs')}\n</docs>`);
  parts.push(`<script lang="javascript">\n${escapeBlock(script, 'script')}\n</script>`);
  return parts.join('\n\n') + '\n';
}

const browserOptions = {
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  minify: !process.env.IMJOY_SHARE_NO_MINIFY,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.wasm': 'file', '.css': 'text', '.html': 'text', '.md': 'text' },
  // Libraries that also run in Node keep Node-only branches (e.g. `await import('worker_threads')`);
  // those are never taken in a browser, so leave them unresolved instead of failing the bundle.
  external: ['worker_threads', 'node:*', 'fs', 'fs/promises', 'path', 'os', 'crypto', 'url', 'module', 'child_process'],
  write: false,
};

const readIf = (p) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined);

async function buildPlugin(dir, outDir) {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'plugin.json'), 'utf8'));
  checkPluginConfig(config, path.relative(root, path.join(dir, 'plugin.json')));
  const name = fileNameOf(config);
  const assetDir = path.join(outDir, name);
  const written = new Set();
  const result = await esbuild.build({
    ...browserOptions,
    entryPoints: [path.join(dir, 'index.ts')],
    format: 'iife',
    outdir: assetDir,
    assetNames: '[name]-[hash]',
  });
  let script = '';
  for (const f of result.outputFiles) {
    if (f.path.endsWith('.js') && path.basename(f.path) === 'index.js') script = f.text;
    else written.add(writeFile(f.path, f.contents));
  }
  for (const w of fs.readdirSync(dir).filter((f) => f.endsWith('.worker.ts'))) {
    const out = await esbuild.build({
      ...browserOptions,
      entryPoints: [path.join(dir, w)],
      format: 'iife',
      outfile: path.join(assetDir, w.replace(/\.ts$/, '.js')),
      assetNames: '[name]-[hash]',
    });
    for (const f of out.outputFiles) written.add(writeFile(f.path, f.contents));
  }
  const assets = readIf(path.join(dir, 'assets.json'));
  if (assets) {
    for (const rel of JSON.parse(assets)) {
      const src = path.join(root, rel);
      if (!fs.existsSync(src)) throw new Error(`${dir}/assets.json: ${rel} does not exist`);
      written.add(writeFile(path.join(assetDir, path.basename(rel)), fs.readFileSync(src)));
    }
  }
  const html = pluginHtml(config, {
    script,
    window: readIf(path.join(dir, 'window.html')),
    style: readIf(path.join(dir, 'style.css')),
    docs: readIf(path.join(dir, 'docs.md')),
  });
  writeFile(path.join(outDir, `${name}.imjoy.html`), html);
  // Drop stale assets only after the new ones are in place: a page using the plugin never sees a gap.
  if (fs.existsSync(assetDir)) for (const f of fs.readdirSync(assetDir)) if (!written.has(path.join(assetDir, f))) fs.rmSync(path.join(assetDir, f), { recursive: true, force: true });
  return { config, uri: `${name}.imjoy.html` };
}

/** Atomic write (temp file + rename): tests build in parallel while others read dist/. */
function writeFile(p, contents) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  const tmp = `${p}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, p);
  return p;
}

const pluginDirs = (base) =>
  fs.existsSync(base)
    ? fs
        .readdirSync(base)
        .filter((d) => !d.startsWith('_') && fs.existsSync(path.join(base, d, 'plugin.json')))
        .filter((d) => fs.existsSync(path.join(base, d, 'index.ts')) || void console.warn(`build: skipping ${d}: plugin.json without index.ts`))
        .sort()
        .map((d) => path.join(base, d))
    : [];

export function manifestOf(built) {
  return {
    name: 'imjoy-share',
    description: pkg.description,
    version: pkg.version,
    uri_root: 'dist/plugins',
    plugins: built.map(({ config, uri }) => ({ ...config, uri })),
    collections: [],
  };
}

export const productPluginDirs = () => pluginDirs(path.join(root, 'plugins'));
export const readPluginConfig = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'plugin.json'), 'utf8'));

async function buildPlugins() {
  const built = [];
  const keep = (dir) => !only || path.basename(dir) === only;
  for (const dir of productPluginDirs().filter(keep)) built.push(await buildPlugin(dir, path.join(dist, 'plugins')));
  if (!args.has('--clean')) for (const dir of pluginDirs(path.join(root, 'test', 'fixtures', 'plugins')).filter(keep)) await buildPlugin(dir, path.join(dist, 'test-plugins'));
  if (!only && !args.has('--no-manifest')) {
    fs.writeFileSync(path.join(root, 'manifest.imjoy.json'), JSON.stringify(manifestOf(built), null, 2) + '\n');
  }
}

async function buildPages() {
  // The host page and the slides runtime: plain browser bundles, loaded by <script> tags.
  const entries = [
    ['host/main.ts', 'host/host.js'],
  ].filter(([src]) => fs.existsSync(path.join(root, src)));
  for (const [src, out] of entries) {
    const r = await esbuild.build({ ...browserOptions, entryPoints: [path.join(root, src)], format: 'iife', outfile: path.join(dist, out) });
    for (const f of r.outputFiles) writeFile(f.path, f.contents);
  }
  const copies = [
    ['host/index.html', 'host/index.html'],
    ['host/base_frame.html', 'host/lib/base_frame.html'],
    ['host/host.css', 'host/host.css'],
    ['node_modules/imjoy-rpc/dist/imjoy-rpc.min.js', 'host/lib/imjoy-rpc.min.js'],
    ['slides/runtime/index.html', 'slides/index.html'],
    ['slides/runtime/slides.css', 'slides/slides.css'],
    ['node_modules/reveal.js/dist/reveal.css', 'slides/reveal.css'],
    ['node_modules/reveal.js/dist/theme/white.css', 'slides/theme.css'],
  ];
  for (const [src, out] of copies) {
    if (fs.existsSync(path.join(root, src))) writeFile(path.join(dist, out), fs.readFileSync(path.join(root, src)));
  }
}

async function buildCli() {
  const r = await esbuild.build({
    write: false,
    // the CLI, and the engine's model worker thread (its own file: a Worker loads a file)
    entryPoints: { cli: path.join(root, 'src/cli/main.ts'), 'model-worker': path.join(root, 'src/engine/model-worker.ts'), 'potree-worker': path.join(root, 'src/potree/worker-node.ts') },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // chunks per subcommand, loaded on demand (src/cli/commands/index.ts): start-up stays small
    splitting: true,
    outdir: dist,
    entryNames: '[name]',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'cli-chunks/[name]-[hash]',
    logLevel: 'warning',
    loader: { '.md': 'text', '.html': 'text' },
  });
  for (const f of r.outputFiles) writeFile(f.path, f.contents);
  // Chunks are content-hashed, so old ones pile up; remove those this build did not write, unless
  // recent (a concurrent build — tests rebuild in parallel — may have written them for its cli.mjs).
  const chunkDir = path.join(dist, 'cli-chunks');
  const written = new Set(r.outputFiles.map((f) => f.path));
  for (const f of fs.existsSync(chunkDir) ? fs.readdirSync(chunkDir) : []) {
    const p = path.join(chunkDir, f);
    if (!written.has(p) && Date.now() - fs.statSync(p).mtimeMs > 10 * 60_000) fs.rmSync(p, { force: true });
  }
}

export async function buildAll() {
  const t = Date.now();
  if (args.has('--clean')) fs.rmSync(dist, { recursive: true, force: true });
  if (!only) await buildCli();
  if (args.has('--cli-only')) return;
  if (!only) await buildPages();
  await buildPlugins();
  if (!args.has('--quiet')) console.error(`build: done in ${Date.now() - t} ms`);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    await buildAll();
  } catch (e) {
    console.error(`build failed: ${e.message}`);
    if (!args.has('--watch')) process.exit(1);
  }
  if (args.has('--watch')) {
    let timer;
    const rebuild = () => {
      clearTimeout(timer);
      timer = setTimeout(() => buildAll().catch((e) => console.error(`build failed: ${e.message}`)), 150);
    };
    for (const d of ['src', 'plugins', 'host', 'slides', 'test/fixtures']) {
      if (fs.existsSync(path.join(root, d))) fs.watch(path.join(root, d), { recursive: true }, rebuild);
    }
    console.error('build: watching src/, plugins/, host/, slides/ for changes');
  }
}
