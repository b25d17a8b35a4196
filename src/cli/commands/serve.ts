import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { startApp } from '../../server/app.js';
import type { RpcConnectionInfo } from '../../server/hypha/server.js';
import type { RemoteImage } from '../../engine/data-dir.js';
import { packageRoot } from '../../package-root.js';
import { engineFlags, type ModelFlags, modelOptions } from './model-flags.js';

/**
 * Where the demo data goes: `.cache/` of a source checkout (gitignored), but the user's cache
 * folder for an installed package, whose folder may be read-only and is replaced on upgrade.
 */
function cacheDir(root: string): string {
  if (process.env.IMJOY_SHARE_CACHE) return path.resolve(process.env.IMJOY_SHARE_CACHE);
  if (!root.split(path.sep).includes('node_modules')) return path.join(root, '.cache');
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'imjoy-share');
}

/**
 * The Python connection lines, and the same in `<cache>/rpc.json` (readable by the user only: the
 * token opens the serve's workspace) for scripts such as examples/python/*.py.
 */
function printRpc(rpc: RpcConnectionInfo, cache: string) {
  fs.mkdirSync(cache, { recursive: true });
  const file = path.join(cache, 'rpc.json');
  fs.rmSync(file, { force: true }); // a file left by another user or mode is replaced, not reused
  fs.writeFileSync(file, JSON.stringify(rpc, null, 2) + '\n', { mode: 0o600 });
  console.log(`rpc (Hypha):      ${rpc.server_url.replace(/^http/, 'ws')}/ws, workspace ${rpc.workspace} (${file})`);
  console.log('  from hypha_rpc import connect_to_server');
  console.log(`  server = await connect_to_server({"server_url": "${rpc.server_url}", "workspace": "${rpc.workspace}", "token": "${rpc.token}"})`);
}

export function registerServe(program: Command) {
  engineFlags(
    program
      .command('serve')
    .description('serve the local ImJoy host with the plugins, slides and demo data on 127.0.0.1 (works offline)')
    .option('-p, --port <port>', 'port of the host page (plugin frames use port + 1)', (v) => Number(v), Number(process.env.PORT ?? 8080))
    .option('--host <address>', 'address to listen on; 0.0.0.0 lets other machines in (the RPC workspace stays behind its token)', '127.0.0.1')
    .option('--data <dir>', 'serve every TIFF/BigTIFF/OME-TIFF and zipped Zarr in this folder as zarr v2 at /zarr/<file>/ and, decoded, /zarr-decoded/<file>/ (default: the demo data)')
    .option('--collection <folder|json|url>', 'BioImage.IO resources served at /resources and /ipfs/<cid>: a folder of RDFs, a collection.json, or its URL (default: the demo collection)'),
  )
    .option('--log-format <format>', 'text (default), or json: one JSON line per request and per message on stderr, for log collectors', 'text')
    .option('--no-demo', 'do not generate the demo data')
    .action(async (opts: { port: number; host: string; data?: string; collection?: string; allowOrigin?: string[]; image: RemoteImage[]; logFormat: string; demo: boolean } & ModelFlags) => {
      if (opts.logFormat !== 'text' && opts.logFormat !== 'json') throw new Error(`--log-format ${opts.logFormat}: expected text or json`);
      const json = opts.logFormat === 'json';
      const log = (m: string) => console.error(json ? JSON.stringify({ t: new Date().toISOString(), msg: m }) : m);
      const root = packageRoot();
      // Serving a tree that was never built answers 404 to everything; say what is missing instead.
      const hostPage = path.join(root, 'dist', 'host', 'index.html');
      if (!fs.existsSync(hostPage)) throw new Error(`${hostPage} is missing: run \`npm run build\` (or \`npm start\`, which builds) first`);
      if (opts.data && !fs.statSync(opts.data, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--data ${opts.data}: no such folder`);
      const app = await startApp({
        root,
        cacheDir: cacheDir(root),
        port: opts.port,
        host: opts.host,
        dataDir: opts.data,
        collection: opts.collection,
        allowOrigins: opts.allowOrigin,
        images: opts.image,
        models: modelOptions(opts),
        demo: opts.demo,
        log,
        accessLog: json ? (line) => console.error(line) : undefined,
      });
      console.log(`imjoy-share host: ${app.url}/`);
      if (app.host !== '127.0.0.1' && app.host !== 'localhost') {
        const port = new URL(app.url).port;
        const others = Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4').map((a) => `http://${a!.address}:${port}/`);
        console.log(`other machines:   ${others.join(' ') || `http://<this machine>:${port}/`} (listening on ${app.host})`);
      }
      console.log(`slides:           ${app.url}/?slides=scalable-data-sharing`);
      console.log(`plugin frames:    ${app.frameUrl} (second origin)`);
      console.log(`zarr:             ${app.url}/zarr/<file>/ and ${app.url}/zarr-decoded/<file>/ for the images in ${app.dataDir} (list: ${app.url}/zarr/)`);
      if (app.collection) console.log(`resources:        ${app.url}/resources (${app.collection}); files by content id at ${app.url}/ipfs/<cid>`);
      if (app.rpc) printRpc(app.rpc, cacheDir(root));
      console.log('Press Ctrl+C to stop.');
      const stop = async () => {
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => {});
    });
}
