import { after } from 'node:test';
import type { LoginSettings } from '../../src/config/schema.ts';
import { useTestServer } from './server.ts';
import { configWithLogin } from './login-config.ts';
import { startSmtpInbox, type SmtpInbox } from './smtp.ts';

/**
 * A seeded test server (useTestServer) that mails through an in-process SMTP inbox, with some of
 * tenant 1's sites given login settings (configWithLogin). The inbox starts first, as the server
 * mails through it, and closes after the server. `inbox()` is the inbox once the suite started.
 */
export function useMailingServer(bySite: Record<number, Partial<LoginSettings>>, env: Record<string, string> = {}) {
  let inbox: SmtpInbox | undefined;
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    return { env: { SMTP_URL: inbox.url, ...env }, configFile: configWithLogin(bySite) };
  });
  after(async () => {
    await inbox?.close();
  });
  return {
    s,
    inbox: (): SmtpInbox => {
      if (!inbox) throw new Error('the inbox starts with the suite');
      return inbox;
    },
  };
}
