import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import os from 'node:os';
import type { RemoteImage } from '../../engine/data-dir.js';
import { createEngine } from '../../engine/engine.js';
import { startWorker } from '../../engine/worker.js';
import { engineFlags, type ModelFlags, modelOptions } from './model-flags.js';

interface EngineOptions extends ModelFlags {
  serverUrl?: string;
  workspace?: string;
  token?: string;
  clientId?: string;
  data: string;
  collection?: string;
  allowOrigin?: string[];
  image: RemoteImage[];
  cache: string;
}

export function registerEngine(program: Command) {
  engineFlags(
    program
      .command('engine')
    .description("run the engine's services (zarr stores of a folder's images) as a worker of a Hypha server; start several for more throughput")
    .option('--server-url <url>', 'the Hypha server (default $HYPHA_SERVER_URL)', process.env.HYPHA_SERVER_URL)
    .option('--workspace <name>', 'workspace to register in (default $HYPHA_WORKSPACE)', process.env.HYPHA_WORKSPACE)
    .option('--token <token>', 'token for that workspace (default $HYPHA_TOKEN)', process.env.HYPHA_TOKEN)
    .option('--client-id <id>', 'client id of this worker (default: random; unique per worker)')
    .option('--data <dir>', 'folder of TIFF/OME-TIFF/BigTIFF and zipped Zarr files to serve', '.')
    .option('--collection <folder|json|url>', 'BioImage.IO resources to serve: a folder of RDFs, a collection.json, or its URL'),
  )
    .option('--cache <dir>', 'where remote files are cached', process.env.IMJOY_SHARE_CACHE ? path.join(process.env.IMJOY_SHARE_CACHE, 'engine') : path.join(os.tmpdir(), 'imjoy-share-engine'))
    .action(async (opts: EngineOptions) => {
      if (!opts.serverUrl) throw new Error('engine: --server-url (or $HYPHA_SERVER_URL) is required, e.g. http://127.0.0.1:9527');
      if (!fs.statSync(opts.data, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--data ${opts.data}: no such folder`);
      const engine = createEngine({ dataDir: opts.data, images: opts.image, collection: opts.collection, allowOrigins: opts.allowOrigin, cacheDir: opts.cache, models: modelOptions(opts) });
      const data = engine.data;
      const clientId = opts.clientId ?? `imjoy-share-engine-${Math.random().toString(36).slice(2, 10)}`;
      let worker: Awaited<ReturnType<typeof startWorker>>;
      try {
        worker = await startWorker({ server_url: opts.serverUrl, workspace: opts.workspace, token: opts.token, client_id: clientId }, engine.services());
      } catch (e) {
        throw new Error(`engine: cannot join ${opts.serverUrl}: ${(e as Error).message.split('\n')[0]}`);
      }
      console.log(`engine ${clientId}: ${data.list().length} images from ${data.dir}`);
      for (const id of worker.serviceIds) console.log(`  service ${id}`);
      console.log('Press Ctrl+C to stop.');
      const stop = async () => {
        await worker.close().catch(() => {});
        await engine.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => {});
    });
}
