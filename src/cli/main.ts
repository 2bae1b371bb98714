import { runCli } from './program.ts';

/** `npx storefront-auth <command>` (bin/storefront-auth.mjs runs this file). */
process.exitCode = await runCli(process.argv.slice(2));
