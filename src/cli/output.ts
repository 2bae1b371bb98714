import type { Command } from 'commander';

/** How a command answers: one JSON document with --json, else the human text. */
export function print(cmd: Command, result: unknown, human: () => string): void {
  const { json } = cmd.optsWithGlobals<{ json?: boolean }>();
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${human()}\n`);
}

export const isJson = (cmd: Command): boolean => Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);

/** A plain text table: a header row and aligned columns. */
export function table(list: readonly object[], columns: string[]): string {
  const rows = list as Record<string, unknown>[];
  if (rows.length === 0) return '(none)';
  const cell = (v: unknown) =>
    v === null || v === undefined ? '-' : Array.isArray(v) ? v.join(',') || '-' : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}
