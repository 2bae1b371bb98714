import { Command, CommanderError } from 'commander';
import { appCommands } from './apps.ts';
import { keyCommands } from './keys.ts';
import { accountCommands } from './accounts.ts';
import { migrateCommands } from './migrate.ts';
import { operatorCommands } from './operators.ts';
import { CliError } from './context.ts';
import { AdminOpError } from '../admin/socket.ts';
import { KiboError } from '../domain/errors.ts';

/**
 * The admin CLI (`npx storefront-auth <command>`), on the service's configuration and database.
 * Exit codes: 0 done, 1 the operation failed, 2 a usage or configuration error. `--json` answers
 * one JSON document on stdout (export: JSON Lines); errors go to stderr in one line.
 */
export function buildProgram(): Command {
  const program = new Command('storefront-auth')
    .description('storefront-auth admin commands, on the same CONFIG_FILE, DATABASE_URL and DATA_DIR as the service')
    .option('--json', 'machine-readable output: one JSON document on stdout')
    .showHelpAfterError()
    .exitOverride();
  appCommands(program);
  keyCommands(program);
  accountCommands(program);
  operatorCommands(program);
  migrateCommands(program);
  // Subcommands inherit the usage-error handling (exit 2 rather than commander's 1).
  const walk = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(walk);
  };
  walk(program);
  return program;
}

const usageCodes = new Set(['MISSING_OR_INVALID_PARAMETER']);

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help exits 0; any other parse failure (a group without its subcommand too) is a usage error.
      return err.exitCode === 0 ? 0 : 2;
    }
    const code = err instanceof KiboError || err instanceof AdminOpError ? err.code : undefined;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`storefront-auth: ${message}\n`);
    if (err instanceof CliError) return err.exitCode;
    return code && usageCodes.has(code) ? 2 : 1;
  }
}
