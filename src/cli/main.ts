import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { version } from './version.js';

/**
 * Builds the `imjoy-share` program; each subcommand lives in its own module under commands/.
 * `only`: register just that subcommand (the one being run); all of them otherwise (help).
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('imjoy-share')
    .description('Share massive bioimage data and AI models with open standards (ImJoy plugins + CLI)')
    .version(version, '-V, --version')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  const wanted = commands.filter((c) => c.name === only);
  for (const c of wanted.length ? wanted : commands) (await c.load())(program);
  return program;
}

/** Exit codes: 0 ok, 1 a negative verdict (invalid, failed), 2 cannot run (bad input/usage). */
export async function main(argv = process.argv): Promise<void> {
  // `imjoy-share ref big.tif | head`: the reader left, which is not an error of ours; stop quietly
  // as Unix tools do instead of dying on an unhandled 'error' event with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      process.stderr.write(`imjoy-share: ${e.message}\n`);
      process.exit(2);
    });
  }
  // the first word that is not an option names the subcommand (options of the program itself
  // take no values)
  const program = (await buildProgram(argv.slice(2).find((a) => !a.startsWith('-')))).exitOverride();
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
