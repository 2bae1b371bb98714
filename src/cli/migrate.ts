import type { Command } from 'commander';
import { print } from './output.ts';
import { CliError } from './context.ts';
import { withSession } from './run.ts';

/** `migrate [--check]`, and `prune` (one pruning pass, as the service runs them). */
export function migrateCommands(program: Command): void {
  program
    .command('migrate')
    .description('bring the database schema up to date without serving (--check: only tell)')
    .option('--check', 'change nothing; exit 1 when migrations are pending')
    .action(async (o: { check?: boolean }, cmd: Command) => {
      if (o.check) {
        const st = await withSession(cmd, (s) => s.call('migrate.check', undefined), { schema: 'any' });
        print(cmd, st, () =>
          st.pending.length
            ? `Pending migrations: ${st.pending.join(', ')}`
            : `Up to date (${st.applied.length} migrations).`,
        );
        if (st.pending.length) process.exitCode = 1;
        return;
      }
      const r = await withSession(cmd, (s) => s.call('migrate.run', undefined), { schema: 'any' });
      print(cmd, r, () => (r.ran.length ? `Ran ${r.ran.join(', ')}.` : `Up to date (${r.applied.length} migrations).`));
    });

  program
    .command('prune')
    .description('run one pruning pass of expired data')
    .action(async (_o, cmd: Command) => {
      const r = await withSession(cmd, (s) => s.call('prune.run', undefined)).catch((err: Error) => {
        throw new CliError(err.message);
      });
      print(cmd, r, () => `Pruned: ${JSON.stringify(r)}`);
    });
}
