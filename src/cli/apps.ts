import type { Command } from 'commander';
import { Behaviors } from '../config/schema.ts';
import { print, table } from './output.ts';
import { int, list, withSession } from './run.ts';

const once = (clientId: string, secret: string) =>
  `client_id:     ${clientId}\nclient_secret: ${secret}\n\nThe secret is shown only this once; only its hash is stored.`;

/** `apps list | create | rotate-secret | set-behaviors | delete` */
export function appCommands(program: Command): void {
  const apps = program
    .command('apps')
    .description('applications (OAuth clients): those in the database, and those of CONFIG_FILE');

  apps
    .command('list')
    .description('list every application; source says where it is defined (config, env or database)')
    .action(async (_o, cmd: Command) => {
      const rows = await withSession(cmd, (s) => s.call('apps.list', undefined));
      print(cmd, rows, () => table(rows, ['clientId', 'tenantId', 'source', 'behaviors', 'createdAt']));
    });

  apps
    .command('create')
    .description('create an application in the database; prints its secret once')
    .requiredOption('--client-id <id>', 'the client id (1–200 of A–Z a–z 0–9 . _ : -)')
    .requiredOption('--tenant <id>', 'the tenant it belongs to', int('--tenant'))
    .option('--behaviors <list>', `comma-separated, from: ${Behaviors.join(', ')}`, list, [])
    .action(async (o: { clientId: string; tenant: number; behaviors: string[] }, cmd: Command) => {
      const app = await withSession(cmd, (s) =>
        s.call('apps.create', { clientId: o.clientId, tenantId: o.tenant, behaviors: o.behaviors }),
      );
      print(
        cmd,
        app,
        () => `Created app ${app.clientId} on tenant ${app.tenantId}.\n${once(app.clientId, app.secret)}`,
      );
    });

  apps
    .command('rotate-secret')
    .description(
      'give a database application a new secret; the old one, its refresh tokens and its access tokens stop working',
    )
    .argument('<client-id>')
    .action(async (clientId: string, _o, cmd: Command) => {
      const r = await withSession(cmd, (s) => s.call('apps.rotate-secret', { clientId }));
      print(cmd, r, () => once(r.clientId, r.secret));
    });

  apps
    .command('set-behaviors')
    .description('replace the behaviors of a database application (empty: none)')
    .argument('<client-id>')
    .requiredOption('--behaviors <list>', `comma-separated, from: ${Behaviors.join(', ')}; "" for none`, list)
    .action(async (clientId: string, o: { behaviors: string[] }, cmd: Command) => {
      const r = await withSession(cmd, (s) => s.call('apps.set-behaviors', { clientId, behaviors: o.behaviors }));
      print(cmd, r, () => `App ${r.clientId} now has: ${r.behaviors.join(', ') || '(no behaviors)'}`);
    });

  apps
    .command('delete')
    .description('delete a database application; its tokens stop working')
    .argument('<client-id>')
    .action(async (clientId: string, _o, cmd: Command) => {
      const r = await withSession(cmd, (s) => s.call('apps.delete', { clientId }));
      print(cmd, r, () => `Deleted app ${r.clientId}.`);
    });
}
