import fs from 'node:fs';
import path from 'node:path';

/** Another live process holds the embedded database's files. */
export class DataDirBusyError extends Error {
  constructor(
    message: string,
    readonly pid: number,
  ) {
    super(message);
    this.name = 'DataDirBusyError';
  }
}

const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/**
 * Takes `<dataDir>/pglite.lock` for this process: PGlite's files must be opened by one process at
 * a time (two would corrupt them), and PGlite itself takes no lock. The file holds the owner's
 * pid; a file left by a process that is gone is taken over. Answers the release function.
 * @throws DataDirBusyError while another live process holds it
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.resolve(dataDir, 'pglite.lock');
  if (held.has(file))
    throw new DataDirBusyError(`The data directory ${dataDir} is already open in this process`, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      // Our own pid in a left-over file: a container restarted with the same pid (1, usually).
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new DataDirBusyError(`The embedded database in ${dataDir} is in use by process ${pid}`, pid);
      fs.rmSync(file, { force: true });
    }
  }
  held.add(file);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.delete(file);
    fs.rmSync(file, { force: true });
  };
}
