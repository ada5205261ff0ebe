// The `sotto` command line: parses argv, runs one command on the client engine, and reports
// failures as sentences (exit 1; 2 for a bad command line).
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { serverOrigin } from '../../client/connection';
import { profileDir } from '../client/profile';
import { COMMANDS, type Command } from './commands';
import { DEFAULT_SERVER, type Output } from './context';
import { UsageError, describeError } from './errors';

const GLOBAL_OPTIONS = { server: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'sotto — end-to-end encrypted voice messages from the command line',
    '',
    'Usage: sotto <command> [options] [--server <url>]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Options for every command:',
    `  --server <url>  the Sotto server (default ${DEFAULT_SERVER})`,
    '  --help, -h      help for a command: sotto <command> --help',
    '',
    'The profile (identity, contacts, outbox, inbox) is in $SOTTO_HOME, default ~/.sotto.',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `Usage: ${command.usage}`,
    '',
    `${command.summary[0]?.toUpperCase() ?? ''}${command.summary.slice(1)}.`,
    ...(command.details.length > 0 ? ['', ...command.details] : []),
    '',
    `  --server <url>  the Sotto server (default ${DEFAULT_SERVER})`,
    '  --help, -h      this help',
  ].join('\n');
}

/** Runs one command line; resolves with the exit code. */
export async function main(
  argv: readonly string[],
  output: Output,
  interrupted: Promise<void>,
): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = COMMANDS.find((command) => command.name === rest[0]);
      output.out(topic === undefined ? topHelp() : commandHelp(topic));
      return name === undefined ? 2 : 0;
    }
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (command === undefined) throw new UsageError(`Unknown command "${name}".`);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: { ...GLOBAL_OPTIONS, ...command.options },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error), command.name);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    if (values.help === true) {
      output.out(commandHelp(command));
      return 0;
    }
    const [min, max] = command.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(`Usage: ${command.usage}`, command.name);
    }
    const server =
      typeof values.server === 'string' ? values.server : (process.env.SOTTO_SERVER ?? DEFAULT_SERVER);
    try {
      serverOrigin(server);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error), command.name);
    }
    return await command.run({
      values,
      positionals: parsed.positionals,
      global: { server, interrupted },
      output,
      interrupted,
    });
  } catch (error) {
    const { message, exitCode } = describeError(error, profileDir());
    output.err(message);
    if (process.env.SOTTO_DEBUG === '1' && error instanceof Error && error.stack !== undefined) {
      output.err(error.stack);
    }
    return exitCode;
  }
}

/** Entry point: `node --import tsx src/node/cli/main.ts …` or `bin/sotto.js …`. */
async function run(): Promise<void> {
  let interrupt = (): void => undefined;
  let stopping = false;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(130); // a second signal: stop at once
      stopping = true;
      interrupt();
    });
  }
  const output: Output = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  const code = await main(process.argv.slice(2), output, interrupted);
  process.exitCode = code;
  // Nothing should be left running; if something is (a socket being torn down), do not hang.
  setTimeout(() => process.exit(code), 2_000).unref();
}

const entry = process.argv[1];
if (
  process.env.SOTTO_CLI_MAIN === '1' ||
  (entry !== undefined && import.meta.url === pathToFileURL(entry).href)
) {
  await run();
}
