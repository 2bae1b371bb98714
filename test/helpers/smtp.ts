import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  from: string;
  raw: string;
}

export interface SmtpInbox {
  /** smtp:// URL for SMTP_URL */
  url: string;
  messages: ReceivedMail[];
  /** While true, every message is refused (the sender sees a failed send). */
  reject: boolean;
  /** While set, each message is kept waiting (the sender sees no answer) until it settles. */
  hold?: Promise<void>;
  /** The next message to `to` not yet taken (waits for it). */
  next(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** The code in the next message to `to`. */
  nextCode(to: string, timeoutMs?: number): Promise<string>;
  /** Messages to `to` received so far. */
  count(to: string): number;
  close(): Promise<void>;
}

/** The code line of the plain-text body (the default templates, src/mail/templates/*.text.liquid, indent it by four spaces). */
export function codeIn(raw: string): string {
  const m = /^ {4}(\d{6})\s*$/m.exec(raw);
  if (!m) throw new Error(`no code in message:\n${raw}`);
  return m[1];
}

/** A real SMTP server in this process, on a random loopback port, keeping what it receives. */
export async function startSmtpInbox(): Promise<SmtpInbox> {
  const messages: ReceivedMail[] = [];
  const taken = new Map<string, number>();
  const waiters = new Set<() => void>();
  const inbox: SmtpInbox = {
    url: '',
    messages,
    reject: false,
    async next(to, timeoutMs = 5000) {
      const addr = to.toLowerCase();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = taken.get(addr) ?? 0;
        const mine = messages.filter((m) => m.to.includes(addr));
        if (mine.length > seen) {
          taken.set(addr, seen + 1);
          return mine[seen];
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, Math.min(left, 200));
          function done() {
            clearTimeout(t);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
    },
    async nextCode(to, timeoutMs) {
      return codeIn((await inbox.next(to, timeoutMs)).raw);
    },
    count(to) {
      return messages.filter((m) => m.to.includes(to.toLowerCase())).length;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        await inbox.hold;
        if (inbox.reject) {
          callback(Object.assign(new Error('Mailbox unavailable (test)'), { responseCode: 550 }));
          return;
        }
        messages.push({
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        for (const w of [...waiters]) w();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  inbox.url = `smtp://127.0.0.1:${port}`;
  return inbox;
}
