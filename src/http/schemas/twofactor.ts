/** The models of the email 2FA and one-time-code login routes (CONTRACT §4, §5). */
import { Type } from '@sinclair/typebox';
import { Nullable } from './common.ts';

const Code = Type.String({ minLength: 1, maxLength: 32, description: 'The 6-digit code from the email' });
const Email = Type.String({ minLength: 3, maxLength: 320 });
/** What the request routes answer: nothing. */
export const NoBody = Type.String({ maxLength: 0, description: 'Empty body' });

/** Optional body of 2fa/request: the official SDK sends none (the challenge token names the login). */
export const TwoFactorRequest = Type.Object(
  { userId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))) },
  { title: 'TwoFactorRequest' },
);
export const AuthTicket2FAInfo = Type.Object(
  {
    userId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    otpCode: Code,
  },
  { title: 'AuthTicket2FAInfo' },
);
export const OtpRequest = Type.Object({ email: Email }, { title: 'OtpRequest' });
export const AuthTicketOtpInfo = Type.Object(
  {
    email: Email,
    otpCode: Code,
    fingerprint: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    region: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  },
  { title: 'AuthTicketOtpInfo' },
);
