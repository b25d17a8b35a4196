import type { Command } from 'commander';
import { commands } from './commands/index.js';
import { version } from './version.js';

/**
 * Builds the `imjoy-share` program; each subcommand lives in its own module under commands/.
 * `only`: register just that subcommand (the one being run); all of them otherwise (help).
 */
async function buildProgram(only?: string): Promise<Command> {
  const { Command } = await import('commander');
  const program = new Command('imjoy-share')
    .description('Share massive bioimage data and AI models with open standards (ImJoy plugins + CLI)')
    .version(version, '-V, --version')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  const wanted = commands.filter((c) => c.name === only);
  for (const c of wanted.length ? wanted : commands) (await c.load())(program);
  return program;
}

/** Exit code of an internal error (a bug, not bad input): EX_SOFTWARE of sysexits.h. */
export const EXIT_INTERNAL = 70;

/**
 * Errors JavaScript itself throws on a bug in our code (reading a property of undefined, an
 * array length from an unchecked header). Input we refuse is refused with an Error of ours that
 * names the file; these are told apart so that a fuzzer, a script or a user sees a bug as a bug.
 */
const isInternal = (e: unknown) => e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError;

let streamsGuarded = false;

/** Exit codes: 0 ok, 1 a negative verdict (invalid, failed), 2 cannot run (bad input/usage), 70 a bug. */
export async function main(argv = process.argv): Promise<void> {
  // `imjoy-share ref big.tif | head`: the reader left, which is not an error of ours; stop quietly
  // as Unix tools do instead of dying on an unhandled 'error' event with a stack trace.
  if (!streamsGuarded) {
    streamsGuarded = true;
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
        process.stderr.write(`imjoy-share: ${e.message}\n`);
        process.exit(2);
      });
    }
  }
  // the first word that is not an option names the subcommand (options of the program itself
  // take no values)
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  // what a command starts early (potree convert's worker threads, ~80 ms to boot) starts before
  // the rest loads: commander and the Node entry take ~35 ms, the command's modules as much again
  await commands.find((c) => c.name === name)?.early?.(argv.slice(argv.indexOf(name!) + 1));
  await import('../node.js');
  const { CommanderError } = await import('commander');
  const program = (await buildProgram(name)).exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    const msg = String((e as Error)?.message ?? e).split('\n')[0];
    if (isInternal(e)) {
      process.stderr.write(`imjoy-share: internal error (${(e as Error).name}: ${msg}); please report it with the input that caused it (IMJOY_SHARE_DEBUG=1 prints where)\n`);
      process.exitCode = EXIT_INTERNAL;
    } else {
      process.stderr.write(`imjoy-share: ${msg}\n`);
      process.exitCode = 2;
    }
    if (process.env.IMJOY_SHARE_DEBUG) console.error(e);
  }
}
