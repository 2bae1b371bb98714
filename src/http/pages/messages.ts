import { ApiRefusal } from './storefront-api.ts';

/** What the shopper reads when the API refuses: plain words per error code, never a stack trace. */
const byCode: Record<string, string> = {
  INVALID_CREDENTIALS: 'That user name or password is not right.',
  ACCOUNT_LOCKED: 'This account is locked for now after too many attempts. Try again later, or reset your password.',
  PASSWORD_CHANGE_REQUIRED: 'Your password has to be changed: use "Forgot your password?" to choose a new one.',
  INVALID_CODE: 'That code is not right, or it has expired or been used. Ask for a new one.',
  VALIDATION_CONFLICT: 'An account with that email address or user name already exists.',
  TOO_MANY_REQUESTS: 'Too many attempts. Wait a minute and try again.',
  UNAUTHORIZED: 'You are signed out. Sign in again.',
  TOKEN_EXPIRED: 'You are signed out. Sign in again.',
  FORBIDDEN: 'That is not allowed.',
  ITEM_NOT_FOUND: 'That could not be found.',
};

/**
 * The message for a refusal. A 400's own message is shown (it says what is wrong with the input,
 * e.g. which password rule is not met); other codes get the sentence above.
 */
export function messageFor(err: unknown): string | undefined {
  if (!(err instanceof ApiRefusal)) return undefined;
  if (err.status === 400) return err.message;
  return byCode[err.errorCode] ?? 'Something went wrong; try again.';
}
