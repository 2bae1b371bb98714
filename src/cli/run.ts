import { InvalidArgumentError as InvalidArg, type Command } from 'commander';
import { cliConfig, openSession, type Session } from './context.ts';

/**
 * Runs a command's body in a session (the database or the running service) and closes it again;
 * failures reach main.ts, which prints them in one line and exits 1 (or 2).
 */
export async function withSession<T>(
  _cmd: Command,
  body: (s: Session) => Promise<T>,
  opts: { schema: 'current' | 'any' } = { schema: 'current' },
): Promise<T> {
  const session = await openSession(cliConfig(process.env), opts);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

/** `a,b,c` → ['a','b','c'] ('' → []). */
export const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A whole number option. @throws InvalidArgumentError (exit 2) */
export function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArg(`${name} must be a whole number`);
    return n;
  };
}
