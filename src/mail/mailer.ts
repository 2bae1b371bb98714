import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends mail. `send` rejects when the message could not be handed over. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export interface MailerOptions {
  /** smtp:// or smtps:// URL; absent → the outbox folder. */
  smtpUrl?: string;
  from: string;
  outboxDir: string;
  /** Told where each outbox message was written (main logs it; never the content). */
  onOutbox?: (file: string) => void;
}

/** Mail over SMTP (nodemailer), or without SMTP one RFC 822 `.eml` file per message in the outbox. */
export function createMailer(opts: MailerOptions): Mailer {
  // nodemailer is loaded with the first message, not at start (start time, issue #15).
  let transport: Promise<Transporter> | undefined;
  let created: Transporter | undefined;
  const transporter = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) => {
      created = opts.smtpUrl
        ? nodemailer.createTransport(opts.smtpUrl, { from: opts.from })
        : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      return created;
    }));
  const close = () => created?.close();
  if (opts.smtpUrl) {
    return {
      async send(m) {
        await (
          await transporter()
        ).sendMail({ from: opts.from, to: m.to, subject: m.subject, text: m.text, html: m.html });
      },
      close,
    };
  }
  return {
    async send(m) {
      const info = await (
        await transporter()
      ).sendMail({
        from: opts.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
      });
      await fs.mkdir(opts.outboxDir, { recursive: true });
      const file = path.join(
        opts.outboxDir,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`,
      );
      await fs.writeFile(file, info.message as Buffer, { mode: 0o600 });
      opts.onOutbox?.(file);
    },
    close,
  };
}
