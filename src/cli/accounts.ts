import fs from 'node:fs';
import readline from 'node:readline';
import { Option, type Command } from 'commander';
import { parse as parseCsv } from 'csv-parse';
import cliProgress from 'cli-progress';
import { IMPORT_FIELDS, type ImportLine, type ImportOutcome } from '../domain/accounts/import.ts';
import { CliError } from './context.ts';
import { isJson, print } from './output.ts';
import { int, withSession } from './run.ts';

const BATCH = 500;

/** Lines of a JSON Lines file: each a JSON object, or the reason it is not one. */
async function* jsonLines(file: string): AsyncGenerator<ImportLine | ImportOutcome> {
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n++;
    if (!text.trim()) continue;
    try {
      yield { line: n, record: JSON.parse(text) };
    } catch (err) {
      yield { line: n, status: 'failed', reason: `not valid JSON (${(err as Error).message})` };
    }
  }
}

/** Rows of a CSV file with a header row naming the fields; a row that does not parse is reported. */
async function* csvLines(file: string): AsyncGenerator<ImportLine | ImportOutcome> {
  const failed: ImportOutcome[] = [];
  const parser = fs.createReadStream(file).pipe(
    parseCsv({
      columns: (header: string[]) => {
        const unknown = header.filter((h) => !IMPORT_FIELDS.includes(h));
        if (unknown.length)
          throw new CliError(
            `${file}: unknown column ${unknown.map((u) => `"${u}"`).join(', ')} (known: ${IMPORT_FIELDS.join(', ')})`,
          );
        return header;
      },
      info: true,
      bom: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
    }),
  );
  parser.on('skip', (err: Error & { lines?: number }) =>
    failed.push({ line: err.lines ?? 0, status: 'failed', reason: err.message }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    while (failed.length) yield failed.shift()!;
    yield { line: info.lines, record };
  }
  while (failed.length) yield failed.shift()!;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of fs.createReadStream(file)) for (const b of chunk as Buffer) if (b === 10) n++;
  return n;
}

/** `accounts import FILE`, `accounts export` */
export function accountCommands(program: Command): void {
  const accounts = program.command('accounts').description('customer accounts: bulk import and export');

  accounts
    .command('import')
    .description(
      'import accounts from JSON Lines or CSV: profile fields, and a plain password or a legacy hash (externalPassword: bcrypt, PBKDF2-SHA256). ' +
        'Each good line is imported on its own; each bad one is reported with its line number; safe to run again.',
    )
    .argument('<file>', 'a .jsonl / .ndjson file (one JSON object a line) or a .csv file (a header row of field names)')
    .addOption(
      new Option('--format <format>', 'the file format (default: from the extension)').choices(['jsonl', 'csv']),
    )
    .option('--tenant <id>', 'the tenant (default: the first configured)', int('--tenant'))
    .option(
      '--site <id>',
      "the site whose customer set and password rules apply (default: the tenant's first)",
      int('--site'),
    )
    .addOption(
      new Option(
        '--existing <mode>',
        'an account whose email or user name exists already: skip it, or update it from the line',
      )
        .choices(['skip', 'update'])
        .default('skip'),
    )
    .action(
      async (
        file: string,
        o: { format?: 'jsonl' | 'csv'; tenant?: number; site?: number; existing: 'skip' | 'update' },
        cmd: Command,
      ) => {
        if (!fs.existsSync(file)) throw new CliError(`${file}: no such file`);
        const format = o.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
        await withSession(cmd, async (s) => {
          const tenant = o.tenant === undefined ? s.config.tenants[0] : s.config.tenants.find((t) => t.id === o.tenant);
          if (!tenant) throw new CliError(`Unknown tenant ${o.tenant}`, 2);
          const site = o.site === undefined ? tenant.sites[0] : tenant.sites.find((x) => x.id === o.site);
          if (!site) throw new CliError(`Unknown site ${o.site} of tenant ${tenant.id}`, 2);
          const options = { tenantId: tenant.id, siteId: site.id, existing: o.existing };

          const json = isJson(cmd);
          const bar =
            process.stderr.isTTY && !json
              ? new cliProgress.SingleBar(
                  {
                    format: 'importing [{bar}] {percentage}% | {value}/{total} lines | {eta_formatted} left',
                    stream: process.stderr,
                  },
                  cliProgress.Presets.shades_classic,
                )
              : undefined;
          bar?.start(await countLines(file), 0);
          const counts = { created: 0, updated: 0, skipped: 0, failed: 0 };
          const errors: { line: number; reason: string }[] = [];
          const started = Date.now();
          const tally = (r: ImportOutcome) => {
            counts[r.status]++;
            if (r.status === 'failed') {
              errors.push({ line: r.line, reason: r.reason ?? 'failed' });
              if (!json) {
                bar?.stop();
                process.stderr.write(`line ${r.line}: ${r.reason}\n`);
              }
            }
          };
          let batch: ImportLine[] = [];
          let lastLine = 0;
          const flush = async () => {
            if (!batch.length) return;
            const results = await s.call('accounts.import', { lines: batch, options });
            results.forEach(tally);
            batch = [];
            if (bar && !bar.isActive) bar.start(bar.getTotal(), lastLine);
            bar?.update(lastLine);
          };
          for await (const item of format === 'csv' ? csvLines(file) : jsonLines(file)) {
            lastLine = item.line;
            if ('status' in item) tally(item);
            else batch.push(item);
            if (batch.length >= BATCH) await flush();
          }
          await flush();
          bar?.update(bar.getTotal());
          bar?.stop();
          const seconds = (Date.now() - started) / 1000;
          const total = counts.created + counts.updated + counts.skipped + counts.failed;
          const summary = { ...counts, lines: total, seconds, errors };
          print(
            cmd,
            summary,
            () =>
              `${total} lines: ${counts.created} created, ${counts.updated} updated, ${counts.skipped} skipped, ${counts.failed} failed ` +
              `(${seconds.toFixed(1)} s, ${Math.round(total / Math.max(seconds, 0.001))} lines/s)`,
          );
          if (counts.failed) process.exitCode = 1;
        });
      },
    );

  accounts
    .command('export')
    .description(
      'write every account as JSON Lines on stdout: the profile as the API shows it, never a password or hash',
    )
    .option('--tenant <id>', 'only this tenant', int('--tenant'))
    .action(async (o: { tenant?: number }, cmd: Command) => {
      await withSession(cmd, async (s) => {
        let afterId = 0;
        for (;;) {
          const page = await s.call('accounts.export', { afterId, limit: 1000, tenantId: o.tenant });
          if (!page.accounts.length) break;
          const text = page.accounts.map((a) => JSON.stringify(a)).join('\n') + '\n';
          if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
          afterId = page.nextAfterId!;
        }
      });
    });
}
