import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ADMIN, useTestServer } from '../helpers/server.ts';
import { newShopper, sdkApis, sdkError } from '../helpers/sdk.ts';
import { startSmtpInbox, type SmtpInbox } from '../helpers/smtp.ts';
import { login, signup } from '../helpers/signup.ts';

/** The reset code line of the mail (src/mail/templates/password-reset.text.liquid indents it by four spaces). */
function resetCodeIn(raw: string): string {
  // undo quoted-printable soft line breaks, which may split the code's line
  const m = /^ {4}([A-Za-z0-9_-]{43,})\s*$/m.exec(raw.replace(/=\r?\n/g, ''));
  if (!m) throw new Error(`no reset code in:\n${raw}`);
  return m[1];
}

describe('password change, forced change and reset through the official SDK', () => {
  let inbox: SmtpInbox;
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    return { env: { SMTP_URL: inbox.url } };
  });
  let appToken: string;
  let adminToken: string;
  const apps = () => sdkApis(s, { accessToken: appToken }).accounts;
  const admin = () => sdkApis(s, { accessToken: adminToken }).accounts;
  beforeEach(async () => {
    appToken = await s.appToken();
    adminToken = await s.appToken(ADMIN);
  });
  after(async () => {
    await inbox?.close();
  });

  describe('Change-Password', () => {
    it('lets a shopper change their own password and revokes their other logins, not the caller’s', async () => {
      const u = await signup(s, appToken);
      const other = await login(s, appToken, u.email, u.password);
      const me = sdkApis(s, { accessToken: u.ticket.jwtAccessToken! }).accounts;
      await me.changePassword({
        accountId: u.accountId,
        customerPasswordInfo: { oldPassword: u.password, newPassword: 'Brand-new-passw0rd' },
      });
      assert.equal((await sdkError(() => login(s, appToken, u.email, u.password))).errorCode, 'INVALID_CREDENTIALS');
      assert.ok((await login(s, appToken, u.email, 'Brand-new-passw0rd')).accessToken);
      // the caller's own login lives on
      assert.equal((await me.getCurrentAccount({})).id, u.accountId);
      assert.ok(
        (
          await sdkApis(s, { accessToken: appToken }).tickets.refreshUserAuthTicket({
            refreshToken: u.ticket.refreshToken!,
          })
        ).accessToken,
      );
      // the other one is gone
      assert.equal(
        (await sdkError(() => sdkApis(s, { accessToken: other.jwtAccessToken! }).accounts.getCurrentAccount({})))
          .status,
        401,
      );
      assert.equal(
        (
          await sdkError(() =>
            sdkApis(s, { accessToken: appToken }).tickets.refreshUserAuthTicket({ refreshToken: other.refreshToken! }),
          )
        ).status,
        401,
      );
      assert.ok((await admin().getLoginState({ accountId: u.accountId })).lastPasswordChangeOn);
    });

    it('needs the right old password from a shopper and refuses weak new ones', async () => {
      const u = await signup(s, appToken);
      const me = sdkApis(s, { accessToken: u.ticket.jwtAccessToken! }).accounts;
      const wrong = await sdkError(() =>
        me.changePassword({
          accountId: u.accountId,
          customerPasswordInfo: { oldPassword: 'Wrong-passw0rd', newPassword: 'Brand-new-passw0rd' },
        }),
      );
      assert.equal(wrong.errorCode, 'INVALID_CREDENTIALS');
      assert.equal((await admin().getLoginState({ accountId: u.accountId })).failedLoginAttemptCount, 1);
      const missing = await sdkError(() =>
        me.changePassword({ accountId: u.accountId, customerPasswordInfo: { newPassword: 'Brand-new-passw0rd' } }),
      );
      assert.equal(missing.status, 400);
      const weak = await sdkError(() =>
        me.changePassword({
          accountId: u.accountId,
          customerPasswordInfo: { oldPassword: u.password, newPassword: 'short' },
        }),
      );
      assert.equal(weak.status, 400);
      assert.ok((await login(s, appToken, u.email, u.password)).accessToken);
    });

    it('lets a shopper change only their own password', async () => {
      const a = await signup(s, appToken);
      const b = await signup(s, appToken);
      const asA = sdkApis(s, { accessToken: a.ticket.jwtAccessToken! }).accounts;
      const e = await sdkError(() =>
        asA.changePassword({
          accountId: b.accountId,
          customerPasswordInfo: { oldPassword: b.password, newPassword: 'Brand-new-passw0rd' },
        }),
      );
      assert.equal(e.status, 403);
      assert.ok((await login(s, appToken, b.email, b.password)).accessToken);
    });

    it('lets a manage-accounts app change it without the old password, and unlock', async () => {
      const u = await signup(s, appToken);
      await admin().setLoginLocked({ accountId: u.accountId, body: true });
      await admin().changePassword({
        accountId: u.accountId,
        unlockAccount: true,
        customerPasswordInfo: { newPassword: 'Admin-set-passw0rd' },
      });
      assert.ok((await login(s, appToken, u.email, 'Admin-set-passw0rd')).accessToken);
      // every login of the account ended (the app has no session of its own there)
      assert.equal(
        (await sdkError(() => sdkApis(s, { accessToken: u.ticket.jwtAccessToken! }).accounts.getCurrentAccount({})))
          .status,
        401,
      );
      // unlockAccount is an admin power
      const e = await sdkError(() =>
        sdkApis(s, { accessToken: u.ticket.jwtAccessToken! }).accounts.changePassword({
          accountId: u.accountId,
          unlockAccount: true,
          customerPasswordInfo: { oldPassword: 'Admin-set-passw0rd', newPassword: 'Other-passw0rd1' },
        }),
      );
      assert.ok(e.status === 401 || e.status === 403);
    });
  });

  describe('forced password change', () => {
    it('answers PASSWORD_CHANGE_REQUIRED only after the right password, and Change-Password clears it', async () => {
      const u = await signup(s, appToken);
      await admin().setPasswordChangeRequired({ accountId: u.accountId, body: true });
      assert.equal((await admin().getLoginState({ accountId: u.accountId })).isPasswordChangeRequired, true);
      const wrong = await sdkError(() => login(s, appToken, u.email, 'Wrong-passw0rd'));
      assert.equal(wrong.errorCode, 'INVALID_CREDENTIALS');
      const right = await sdkError(() => login(s, appToken, u.email, u.password));
      assert.equal(right.status, 401);
      assert.equal(right.errorCode, 'PASSWORD_CHANGE_REQUIRED');
      // the storefront, which has no ticket for the shopper yet, changes it with the old password
      await apps().changePassword({
        accountId: u.accountId,
        customerPasswordInfo: { oldPassword: u.password, newPassword: 'Changed-passw0rd' },
      });
      assert.ok((await login(s, appToken, u.email, 'Changed-passw0rd')).accessToken);
      assert.equal((await admin().getLoginState({ accountId: u.accountId })).isPasswordChangeRequired, false);
    });

    it('names the account in the error data so the storefront can call Change-Password', async () => {
      const u = await signup(s, appToken);
      await admin().setPasswordChangeRequired({ accountId: u.accountId, body: true });
      const r = await s.request('POST', '/api/commerce/customer/authtickets', {
        headers: { authorization: `Bearer ${appToken}` },
        body: { username: u.email, password: u.password },
      });
      assert.equal(r.json.errorCode, 'PASSWORD_CHANGE_REQUIRED');
      assert.deepEqual(r.json.additionalErrorData, [{ name: 'accountId', value: String(u.accountId) }]);
      await admin().setPasswordChangeRequired({ accountId: u.accountId, body: false });
      assert.ok((await login(s, appToken, u.email, u.password)).accessToken);
    });
  });

  describe('Reset-Password and Update-Forgotten-Password', () => {
    it('mails a single-use code that sets the new password and ends every login', async () => {
      const u = await signup(s, appToken);
      await apps().resetPassword({ customerResetPasswordInfo: { emailAddress: u.email } });
      const mail = await inbox.next(u.email);
      const code = resetCodeIn(mail.raw);
      assert.ok(Buffer.from(code, 'base64url').length >= 16, 'at least 128 bits');
      // stored only as its SHA-256
      const rows = await s.store.db.selectFrom('password_resets').selectAll().execute();
      assert.ok(rows.some((r) => r.token_hash === createHash('sha256').update(code).digest('hex')));
      assert.ok(rows.every((r) => r.token_hash !== code));

      await apps().updateForgottenPassword({
        confirmationInfo: { userName: u.userName, confirmationCode: code, newPassword: 'Reset-passw0rd' },
      });
      assert.ok((await login(s, appToken, u.email, 'Reset-passw0rd')).accessToken);
      assert.equal((await sdkError(() => login(s, appToken, u.email, u.password))).errorCode, 'INVALID_CREDENTIALS');
      assert.equal(
        (await sdkError(() => sdkApis(s, { accessToken: u.ticket.jwtAccessToken! }).accounts.getCurrentAccount({})))
          .status,
        401,
      );
      const again = await sdkError(() =>
        apps().updateForgottenPassword({
          confirmationInfo: { userName: u.userName, confirmationCode: code, newPassword: 'Another-passw0rd' },
        }),
      );
      assert.equal(again.errorCode, 'INVALID_CODE');
    });

    it('lets exactly one of parallel uses of a code win', async () => {
      const u = await signup(s, appToken);
      await apps().resetPassword({ customerResetPasswordInfo: { userName: u.userName } });
      const code = resetCodeIn((await inbox.next(u.email)).raw);
      const results = await Promise.allSettled(
        ['Par-one-passw0rd', 'Par-two-passw0rd', 'Par-three-passw0rd'].map((p) =>
          apps().updateForgottenPassword({
            confirmationInfo: { userName: u.email, confirmationCode: code, newPassword: p },
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });

    it('kills older codes when a new one is asked for, and expires codes after 30 minutes', async () => {
      const u = await signup(s, appToken);
      await apps().resetPassword({ customerResetPasswordInfo: { emailAddress: u.email } });
      const first = resetCodeIn((await inbox.next(u.email)).raw);
      await apps().resetPassword({ customerResetPasswordInfo: { emailAddress: u.email, customerSetCode: 'default' } });
      const second = resetCodeIn((await inbox.next(u.email)).raw);
      assert.notEqual(first, second);
      const old = await sdkError(() =>
        apps().updateForgottenPassword({
          confirmationInfo: { userName: u.userName, confirmationCode: first, newPassword: 'Reset-passw0rd' },
        }),
      );
      assert.equal(old.errorCode, 'INVALID_CODE');
      s.clock.advanceMinutes(31);
      appToken = await s.appToken();
      const late = await sdkError(() =>
        apps().updateForgottenPassword({
          confirmationInfo: { userName: u.userName, confirmationCode: second, newPassword: 'Reset-passw0rd' },
        }),
      );
      assert.equal(late.errorCode, 'INVALID_CODE');
      assert.ok((await login(s, appToken, u.email, u.password)).accessToken);
    });

    it('completes a reset asked for another customer set, and only with the account’s own user name', async () => {
      // an account of customer set `other` (site 3), reset through site 1 by naming the set
      const u = newShopper('otherset');
      const site3 = sdkApis(s, { accessToken: appToken, siteId: 3 });
      await site3.accounts.addAccountAndLogin({
        customerAccountAndAuthInfo: {
          account: { emailAddress: u.email, userName: `${u.email.split('@')[0]}-un` },
          password: u.password,
        },
      });
      await apps().resetPassword({ customerResetPasswordInfo: { emailAddress: u.email, customerSetCode: 'other' } });
      const code = resetCodeIn((await inbox.next(u.email)).raw);
      const wrongName = await sdkError(() =>
        apps().updateForgottenPassword({
          confirmationInfo: { userName: 'someone-else', confirmationCode: code, newPassword: 'Other-set-passw0rd' },
        }),
      );
      assert.equal(wrongName.errorCode, 'INVALID_CODE');
      // the wrong user name did not spend the code
      await apps().updateForgottenPassword({
        confirmationInfo: {
          userName: u.email.toUpperCase(),
          confirmationCode: code,
          newPassword: 'Other-set-passw0rd',
        },
      });
      const t = await site3.tickets.createUserAuthTicket({
        customerUserAuthInfo: { username: u.email, password: 'Other-set-passw0rd' },
      });
      assert.ok(t.accessToken);
    });

    it('answers an unknown email with the same 200 and sends no mail', async () => {
      const nobody = `nobody-${Date.now()}@example.com`;
      const r = await s.request('POST', '/api/commerce/customer/accounts/Reset-Password', {
        headers: { authorization: `Bearer ${appToken}` },
        body: { emailAddress: nobody },
      });
      const u = await signup(s, appToken);
      const r2 = await s.request('POST', '/api/commerce/customer/accounts/Reset-Password', {
        headers: { authorization: `Bearer ${appToken}` },
        body: { emailAddress: u.email },
      });
      assert.equal(r.status, 200);
      assert.equal(r2.status, r.status);
      assert.equal(r2.text, r.text);
      await inbox.next(u.email);
      assert.equal(inbox.count(nobody), 0);
    });

    it('refuses bad input with Kibo errors: wrong code, weak password, missing fields, unknown customer set', async () => {
      const u = await signup(s, appToken);
      const bad = await sdkError(() =>
        apps().updateForgottenPassword({
          confirmationInfo: { userName: u.userName, confirmationCode: 'x'.repeat(43), newPassword: 'Reset-passw0rd' },
        }),
      );
      assert.equal(bad.status, 401);
      assert.equal(bad.errorCode, 'INVALID_CODE');
      const unknownUser = await sdkError(() =>
        apps().updateForgottenPassword({
          confirmationInfo: { userName: 'nobody', confirmationCode: 'x', newPassword: 'Reset-passw0rd' },
        }),
      );
      assert.equal(unknownUser.errorCode, 'INVALID_CODE');
      await apps().resetPassword({ customerResetPasswordInfo: { emailAddress: u.email } });
      const code = resetCodeIn((await inbox.next(u.email)).raw);
      const weak = await sdkError(() =>
        apps().updateForgottenPassword({
          confirmationInfo: { userName: u.userName, confirmationCode: code, newPassword: 'weak' },
        }),
      );
      assert.equal(weak.status, 400);
      // a weak password does not spend the code
      await apps().updateForgottenPassword({
        confirmationInfo: { userName: u.userName, confirmationCode: code, newPassword: 'Reset-passw0rd' },
      });
      assert.equal((await sdkError(() => apps().resetPassword({ customerResetPasswordInfo: {} }))).status, 400);
      assert.equal(
        (
          await sdkError(() =>
            apps().resetPassword({ customerResetPasswordInfo: { emailAddress: u.email, customerSetCode: 'nope' } }),
          )
        ).status,
        404,
      );
    });
  });
});
