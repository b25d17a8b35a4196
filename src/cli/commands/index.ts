import type { Command } from 'commander';
import { registerServe } from './serve.js';

/** One line per subcommand module; each adds its command (with --help) to the program. */
export const commands: ((program: Command) => void)[] = [
  registerServe,
];
