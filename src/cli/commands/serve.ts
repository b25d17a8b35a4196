import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { startApp } from '../../server/app.js';

export const repoRoot = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function registerServe(program: Command) {
  program
    .command('serve')
    .description('serve the local ImJoy host with the plugins, slides and demo data on 127.0.0.1 (works offline)')
    .option('-p, --port <port>', 'port of the host page (plugin frames use port + 1)', (v) => Number(v), Number(process.env.PORT ?? 8080))
    .option('--no-demo', 'do not generate the demo data')
    .action(async (opts: { port: number; demo: boolean }) => {
      const app = await startApp({ root: repoRoot(), port: opts.port, demo: opts.demo, log: (m) => console.error(m) });
      console.log(`imjoy-share host: ${app.url}/`);
      console.log(`slides:           ${app.url}/?slides=scalable-data-sharing`);
      console.log(`plugin frames:    ${app.frameUrl} (second origin)`);
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
