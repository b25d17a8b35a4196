import type { Command } from 'commander';
import { registerModel } from './model.js';
import { registerRdf } from './rdf.js';
import { registerRef } from './ref.js';
import { registerServe } from './serve.js';
import { registerShare } from './share.js';
import { registerSmlm } from './smlm.js';

/** One line per subcommand module; each adds its command (with --help) to the program. */
export const commands: ((program: Command) => void)[] = [
  registerServe,
  registerModel,
  registerRdf,
  registerSmlm,
  registerRef,
  registerShare,
];
