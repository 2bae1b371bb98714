import { Option, type Command } from 'commander';
import { CliError } from './context.ts';
import { print, table } from './output.ts';
import { int, withSession } from './run.ts';

/** The password piped in on stdin (one line; the newline is not part of it). @throws CliError (exit 2) */
async function passwordFromStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const pw = text.replace(/\r?\n$/, '');
  if (!pw) throw new CliError('--password-stdin: nothing was read from stdin', 2);
  return pw;
}

const secrets = (r: { password?: string; totpUri?: string }) =>
  [
    r.password ? `password: ${r.password}` : '',
    r.totpUri ? `TOTP (add it to an authenticator app): ${r.totpUri}` : '',
    r.password || r.totpUri ? '\nShown only this once; only a hash of the password is stored.' : '',
  ]
    .filter(Boolean)
    .join('\n');

/** `operators create | list | disable | enable | reset-password`: staff of the support console. */
export function operatorCommands(program: Command): void {
  const operators = program
    .command('operators')
    .description('support-console operators (staff accounts, apart from shoppers and apps)');

  operators
    .command('create')
    .description('create an operator; the password is generated and shown once unless --password-stdin')
    .requiredOption('--email <email>', "the operator's email, which they sign in with")
    .addOption(
      new Option('--role <role>', 'support: find and help shoppers; admin: also apps and keys')
        .choices(['support', 'admin'])
        .makeOptionMandatory(),
    )
    .option('--tenant <id>', 'the tenant whose shoppers they may see (default: the first configured)', int('--tenant'))
    .option('--password-stdin', 'read the password from stdin instead of generating one')
    .option('--totp', 'require a TOTP code at sign-in; prints the otpauth:// URI once')
    .action(
      async (
        o: { email: string; role: string; tenant?: number; passwordStdin?: boolean; totp?: boolean },
        cmd: Command,
      ) => {
        const password = o.passwordStdin ? await passwordFromStdin() : undefined;
        const r = await withSession(cmd, (s) =>
          s.call('operators.create', {
            email: o.email,
            role: o.role,
            tenantId: o.tenant ?? s.config.tenants[0].id,
            password,
            totp: o.totp,
          }),
        );
        print(cmd, r, () =>
          [`Created operator ${r.email} (${r.role}) on tenant ${r.tenantId}.`, secrets(r)].filter(Boolean).join('\n'),
        );
      },
    );

  operators
    .command('list')
    .description('list every operator (never a password or a TOTP secret)')
    .action(async (_o, cmd: Command) => {
      const rows = await withSession(cmd, (s) => s.call('operators.list', undefined));
      print(cmd, rows, () =>
        table(rows, ['id', 'email', 'role', 'tenantId', 'totp', 'disabled', 'lockedUntil', 'lastLoginAt']),
      );
    });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const)
    operators
      .command(name)
      .description(
        disabled ? 'disable an operator; their console sessions end at once' : 'enable a disabled operator again',
      )
      .argument('<email>')
      .action(async (email: string, _o, cmd: Command) => {
        const r = await withSession(cmd, (s) => s.call('operators.disable', { email, disabled }));
        print(cmd, r, () => `Operator ${r.email} is ${r.disabled ? 'disabled' : 'enabled'}.`);
      });

  operators
    .command('reset-password')
    .description(
      'give an operator a new password (generated and shown once unless --password-stdin); ends their sessions and any lockout',
    )
    .argument('<email>')
    .option('--password-stdin', 'read the password from stdin instead of generating one')
    .action(async (email: string, o: { passwordStdin?: boolean }, cmd: Command) => {
      const password = o.passwordStdin ? await passwordFromStdin() : undefined;
      const r = await withSession(cmd, (s) => s.call('operators.reset-password', { email, password }));
      print(cmd, r, () => [`New password for ${r.email}.`, secrets(r)].filter(Boolean).join('\n'));
    });
}
