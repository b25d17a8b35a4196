import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * One line per subcommand module; each adds its command (with --help) to the program. Loaded on
 * demand (build.mjs splits the CLI into chunks): `imjoy-share ref …` must not pay for the AWS
 * SDK, onnxruntime or geotiff at start-up (they took ~0.8 s of a 1.2 s `ref` run).
 */
export const commands: { name: string; load: () => Promise<Register>; early?: (args: string[]) => Promise<void> }[] = [
  { name: 'serve', load: async () => (await import('./serve.js')).registerServe },
  { name: 'model', load: async () => (await import('./model.js')).registerModel },
  { name: 'rdf', load: async () => (await import('./rdf.js')).registerRdf },
  { name: 'smlm', load: async () => (await import('./smlm.js')).registerSmlm },
  { name: 'ref', load: async () => (await import('./ref.js')).registerRef },
  { name: 'share', load: async () => (await import('./share.js')).registerShare },
  { name: 'engine', load: async () => (await import('./engine.js')).registerEngine },
  {
    name: 'potree',
    load: async () => (await import('./potree.js')).registerPotree,
    // the conversion's worker threads boot while the command's modules load
    early: async (args) => (await import('../../potree/workers-node.js')).startWorkersFor(args),
  },
];
