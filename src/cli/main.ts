import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { version } from './version.js';

/** Builds the `imjoy-share` program; each subcommand lives in its own module under commands/. */
export function buildProgram(): Command {
  const program = new Command('imjoy-share')
    .description('Share massive bioimage data and AI models with open standards (ImJoy plugins + CLI)')
    .version(version, '-V, --version')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  for (const register of commands) register(program);
  return program;
}

/** Exit codes: 0 ok, 1 a negative verdict (invalid, failed), 2 cannot run (bad input/usage). */
export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`imjoy-share: ${(e as Error).message}\n`);
    if (process.env.IMJOY_SHARE_DEBUG) console.error(e);
    process.exitCode = 2;
  }
}
