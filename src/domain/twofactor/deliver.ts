import type { AccountRow } from '../../store/repos/accounts.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { codeMail } from '../../mail/templates.ts';
import type { CodePurpose, CodeService, IssuedCode } from '../codes/service.ts';
import type { CallContext } from '../context.ts';
import { KiboError } from '../errors.ts';

/** Mails codes; a failed send leaves no usable code and no spent throttle behind. */
export function createCodeMailer(deps: {
  mailer: Mailer;
  codes: CodeService;
  onError?: (err: unknown, what: string) => void;
}) {
  const { mailer, codes } = deps;
  return {
    /** @throws SERVICE_UNAVAILABLE when the message could not be handed to the mail server */
    async deliver(
      ctx: CallContext,
      account: AccountRow,
      purpose: CodePurpose,
      issued: IssuedCode,
      claim?: { key: string; at: Date },
    ): Promise<void> {
      if (!account.email) throw new KiboError('FORBIDDEN', 'The account has no email address');
      const firstName = account.profile?.firstName;
      try {
        await mailer.send(
          codeMail({
            to: account.email,
            site: ctx.site,
            purpose,
            code: issued.code,
            minutes: codes.policy.ttlMinutes,
            userName: account.user_name ?? account.email,
            ...(firstName ? { firstName } : {}),
          }),
        );
      } catch (err) {
        deps.onError?.(err, `sending the ${purpose} code`);
        await codes.discard(issued.id);
        if (claim) await codes.release(claim);
        throw new KiboError('SERVICE_UNAVAILABLE', 'The code could not be sent by email; try again later');
      }
    },
  };
}
export type CodeMailer = ReturnType<typeof createCodeMailer>;
