import type { LoginState } from '../../domain/accounts/login-state.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The wire LoginState: dates as ISO strings. */
export const toWireLoginState = (s: LoginState) => ({
  ...s,
  firstFailedLoginAttemptOn: iso(s.firstFailedLoginAttemptOn),
  lastLockedOn: iso(s.lastLockedOn),
  lastLoginOn: iso(s.lastLoginOn),
  lastPasswordChangeOn: iso(s.lastPasswordChangeOn),
  createdOn: iso(s.createdOn),
  updatedOn: iso(s.updatedOn),
});
