import type { Command } from 'commander';
import { print, table } from './output.ts';
import { withSession } from './run.ts';

/** `keys list | rotate | retire` */
export function keyCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('the ES256 keys that sign every JWT (published at /.well-known/jwks.json)');

  keys
    .command('list')
    .description('list the keys: next (published, not signing yet), active, retired (verifying only), expired')
    .action(async (_o, cmd: Command) => {
      const rows = await withSession(cmd, (s) => s.call('keys.list', undefined));
      print(cmd, rows, () => table(rows, ['kid', 'state', 'activatesAt', 'retiredAt', 'expiresAt']));
    });

  keys
    .command('rotate')
    .description('make a new key, published keys.publishAheadMinutes before it signs; the current key retires then')
    .option(
      '--now',
      'sign with the new key at once (an emergency: verifiers that cached the JWKS may refuse its tokens for a while)',
    )
    .action(async (o: { now?: boolean }, cmd: Command) => {
      const k = await withSession(cmd, (s) => s.call('keys.rotate', { now: o.now }));
      print(cmd, k, () => `New key ${k.kid}: published now, signs from ${k.activatesAt}.`);
    });

  keys
    .command('retire')
    .description('stop a key signing; it stays published until every token it signed has expired')
    .argument('<kid>')
    .option('--drop-now', 'leave the JWKS at once: its tokens stop verifying (a leaked key)')
    .action(async (kid: string, o: { dropNow?: boolean }, cmd: Command) => {
      const k = await withSession(cmd, (s) => s.call('keys.retire', { kid, dropNow: o.dropNow }));
      print(cmd, k, () => `Key ${k.kid} retired; published until ${k.expiresAt}.`);
    });
}
