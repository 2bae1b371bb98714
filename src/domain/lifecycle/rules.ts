/**
 * What can no longer be used, as cutoffs for one pruning pass at `now`. Rows are removed when:
 * - a session (login chain) is revoked, or past the expiry of every token it issued (its end);
 *   its tokens go with it, spent refresh tokens included, so reuse is detected while it lives;
 * - a guest chain is past its end (revoked or not), with its spent refresh tokens;
 * - an app refresh token, a code (and the pending 2FA login it holds) or a reset code has expired;
 * - a code send is older than the resend throttle (it can no longer block a send);
 * - a known device has not been seen for `deviceDays`; an audit event is older than `auditDays`
 *   (0: kept forever);
 * - a guest-token key can no longer have MACed a live token.
 */
export interface LifecyclePolicy {
  deviceDays: number;
  auditDays: number;
  /** the resend throttle of codes */
  resendSeconds: number;
  /** the guest-token key period */
  guestKeyMinutes: number;
  /** the longest lifetime any token may have (every tenant's caps) */
  maxTokenMinutes: number;
}

export interface Cutoffs {
  now: Date;
  codeSendsBefore: Date;
  devicesBefore: Date;
  /** undefined: audit events are kept forever */
  auditBefore?: Date;
  /** guest keys created before this MACed only expired tokens */
  guestKeysBefore: Date;
}

const DAY = 86_400_000;

export function cutoffsAt(now: Date, p: LifecyclePolicy): Cutoffs {
  const t = now.getTime();
  return {
    now,
    codeSendsBefore: new Date(t - p.resendSeconds * 1000),
    devicesBefore: new Date(t - p.deviceDays * DAY),
    auditBefore: p.auditDays > 0 ? new Date(t - p.auditDays * DAY) : undefined,
    // A key is made at most one period before its own; it MACs for one period; its tokens live at
    // most the longest lifetime after that.
    guestKeysBefore: new Date(t - (2 * p.guestKeyMinutes + p.maxTokenMinutes) * 60_000),
  };
}
