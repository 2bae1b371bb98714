import { execFile } from 'node:child_process';
import type { CliResult } from './cli.ts';

/** The CLI as a child process, as runCli runs it, with `input` piped to its stdin (--password-stdin). */
export function runCliWithStdin(args: string[], env: Record<string, string>, input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env } },
      (err, stdout, stderr) => {
        let json: any;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, json });
      },
    );
    child.stdin!.end(input);
  });
}
