import fs from 'node:fs';
import { ConfigError, loadConfig, type Config } from '../config/load.ts';
import { systemClock } from '../domain/clock.ts';
import { createKeyAdmin, keyPolicyFrom } from '../domain/tokens/keys.ts';
import { createPasswordHasher, type PasswordHasher } from '../domain/passwords/hasher.ts';
import { openStore, type Store } from '../store/db.ts';
import { DataDirBusyError } from '../store/data-dir-lock.ts';
import { migrationStatus } from '../store/migrate.ts';
import { createKeysRepo } from '../store/repos/keys.ts';
import { sealerFrom } from '../store/sealer.ts';
import { createAdminOps, localCall, type AdminCall } from '../admin/ops.ts';
import { connectAdmin } from '../admin/socket.ts';
import { createHashPool } from '../runtime/hash-pool.ts';
import { createLifecycle } from '../runtime/lifecycle-service.ts';
import { defaultCodePolicy } from '../domain/codes/service.ts';
import { createSecretsRepo } from '../store/repos/secrets.ts';
import { tokenKeysFor, longestTokenMinutes } from '../services.ts';

/** A failure the CLI reports in one line: exit 2 for usage and configuration, 1 for the rest. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Session {
  call: AdminCall;
  /** where the commands run: this process on the database, or the running service */
  via: 'database' | 'service';
  config: Config;
  close(): Promise<void>;
}

/** CONFIG_FILE and the environment, as the service reads them. @throws CliError (exit 2) */
export function cliConfig(env: NodeJS.ProcessEnv): Config {
  try {
    const file = env.CONFIG_FILE;
    return loadConfig(env, file ? fs.readFileSync(file, 'utf8') : undefined);
  } catch (err) {
    throw new CliError(
      err instanceof ConfigError ? err.message : `Cannot read CONFIG_FILE: ${(err as Error).message}`,
      2,
    );
  }
}

/**
 * Where the commands run. With DATABASE_URL: on PostgreSQL directly, beside any running services.
 * On the embedded database: through the running service's admin socket when one answers, else on
 * the files themselves — never while another live process holds them.
 * `schema`: 'current' refuses a database that still needs migrations; 'any' is for `migrate`.
 */
export async function openSession(config: Config, opts: { schema: 'current' | 'any' }): Promise<Session> {
  if (!config.databaseUrl) {
    const remote = await connectAdmin(config.dataDir);
    if (remote) return { call: remote.call, via: 'service', config, close: async () => remote.close() };
  }
  let store: Store;
  try {
    store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 4 });
    await store.ping();
  } catch (err) {
    if (err instanceof DataDirBusyError)
      throw new CliError(
        `The embedded database in ${config.dataDir} is held by process ${err.pid}, which does not answer on its admin socket; stop it or wait for it to start`,
      );
    throw new CliError(`Cannot reach the database: ${(err as Error).message}`);
  }
  let hasher: Promise<PasswordHasher> | undefined;
  const close = async () => {
    if (hasher) await (await hasher).close();
    await store.close();
  };
  try {
    if (opts.schema === 'current') {
      const { pending } = await migrationStatus(store.db);
      if (pending.length)
        throw new CliError(`The database needs migrations (${pending.join(', ')}); run \`storefront-auth migrate\``);
    }
    const sealer = sealerFrom(config);
    const keysRepo = createKeysRepo(store.db, sealer);
    const ops = createAdminOps({
      config,
      store,
      clock: systemClock,
      keys: createKeyAdmin({ repo: keysRepo, clock: systemClock, policy: keyPolicyFrom(config) }),
      // argon2 threads only when a plain password is imported
      hasher: {
        hash: async (pw) =>
          (
            await (hasher ??= createPasswordHasher(
              config.argon2,
              createHashPool(config.hashing.threads, { nice: config.hashing.nice }),
            ))
          ).hash(pw),
      },
      // One pass, as the service runs it (one instance at a time: it waits for nobody, it skips).
      prune: () =>
        createLifecycle({
          config,
          store,
          clock: systemClock,
          logger: { error: (obj, msg) => process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`) },
          tokenKeys: tokenKeysFor(config, createSecretsRepo(store.db, sealer), systemClock),
          maxTokenMinutes: longestTokenMinutes(config),
          resendSeconds: defaultCodePolicy.resendSeconds,
        }).runPass(),
    });
    const local = localCall(ops);
    const call: AdminCall = async (op, args) => {
      // A key written under another SECRETS_KEY than the service's would not open there.
      if (op === 'keys.rotate') await keysRepo.checkOpen();
      return (await local(op, args)) as never;
    };
    return { call, via: 'database', config, close };
  } catch (err) {
    await close();
    throw err;
  }
}
