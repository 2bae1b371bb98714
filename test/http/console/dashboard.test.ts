import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../../helpers/server.ts';
import { createOperator } from '../../helpers/operators.ts';
import { ConsoleVisitor } from '../../helpers/console-visitor.ts';

type Window = 'hour' | 'day' | 'total';

/** The numbers of one row of the dashboard's table. */
function row(html: string, series: string): Record<Window, number> {
  const tr = new RegExp(`<tr id="series-${series}">([\\s\\S]*?)</tr>`).exec(html)?.[1];
  assert.ok(tr, `no row ${series}`);
  const n = (w: Window) => Number(new RegExp(`data-window="${w}">(\\d+)<`).exec(tr)?.[1]);
  return { hour: n('hour'), day: n('day'), total: n('total') };
}

/**
 * Issue #18, the dashboard: logins by outcome, lockouts and refresh-token reuse over the last hour
 * and day, from the /metrics counters sampled into a ring by minute, moved by the test clock.
 * @see src/runtime/metrics-history.ts, src/http/console/dashboard.ts
 */
describe(`console dashboard (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  const s = useTestServer();
  const support = new ConsoleVisitor(s);
  const signIn = () => support.signIn('watch@example.com', 'support-pass-12');
  const wrongLogin = async (username: string) => {
    const r = await s.request('POST', '/api/commerce/customer/authtickets', {
      headers: { authorization: `Bearer ${await s.appToken()}` },
      body: { username, password: 'not-the-password-1' },
    });
    assert.equal(r.status, 401);
  };
  const dashboard = async () => {
    const r = await support.fetch('/console/dashboard');
    assert.equal(r.status, 200);
    return r.html;
  };

  before(async () => {
    await createOperator(s, { email: 'watch@example.com', role: 'support', password: 'support-pass-12' });
    await signIn();
  });

  it('counts failed logins, lockouts and reuse over the last hour and day, and since start', async () => {
    const base = await dashboard();
    const b = (series: string) => row(base, series);
    for (let i = 0; i < 3; i++) await wrongLogin(s.shopper.email);
    await wrongLogin('nobody-here@example.com');
    // A refresh token used twice: the second is a reuse.
    const refresh = () =>
      s.request(
        'PUT',
        `/api/commerce/customer/authtickets/refresh?refreshToken=${encodeURIComponent(s.shopper.ticket.refreshToken!)}`,
        { headers: { authorization: `Bearer ${s.storefrontToken}` } },
      );
    assert.equal((await refresh()).status, 200);
    assert.notEqual((await refresh()).status, 200);
    // A lock by the support desk counts as a lockout.
    const locked = await support.submit(
      `/console/accounts/${s.shopper.accountId}/lock`,
      `/console/accounts/${s.shopper.accountId}/lock`,
    );
    assert.equal(locked.status, 303);

    const now = await dashboard();
    for (const [series, more] of [
      ['wrong_password', 3],
      ['unknown_user', 1],
      ['reuse', 1],
      ['lockouts', 1],
    ] as const) {
      const r = row(now, series);
      assert.deepEqual(
        r,
        { hour: b(series).hour + more, day: b(series).day + more, total: b(series).total + more },
        series,
      );
    }
    // The charts: 12 bars of 5 minutes and 24 of an hour, the newest bar last; labelled; no style attribute.
    const tr = /<tr id="series-wrong_password">([\s\S]*?)<\/tr>/.exec(now)![1];
    const charts = [...tr.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    assert.equal(charts.length, 2);
    assert.equal([...charts[0].matchAll(/<rect /g)].length, 12);
    assert.equal([...charts[1].matchAll(/<rect /g)].length, 24);
    assert.match(
      charts[0],
      /role="img" aria-label="Logins: wrong password, last hour, per 5 minutes, oldest first: [\d, ]*[1-9]\d*"/,
    );
    assert.match(charts[0], /height="(?!0")\d+"\/><\/svg>/, 'the newest bar has a height');
    assert.doesNotMatch(now, /style=/);
    assert.match(now, /this instance's/);
  });

  it('moves events out of the last hour, then out of the last day, as the clock passes', async () => {
    const before = row(await dashboard(), 'unknown_user');
    s.clock.advanceMinutes(120);
    await signIn(); // the console session has timed out meanwhile
    await wrongLogin('nobody-here@example.com'); // the shopper is locked by now
    const later = row(await dashboard(), 'unknown_user');
    assert.deepEqual(later, { hour: 1, day: before.day + 1, total: before.total + 1 });

    s.clock.advanceMinutes(24 * 60 + 1);
    await signIn();
    const dayLater = row(await dashboard(), 'unknown_user');
    assert.deepEqual(dayLater, { hour: 0, day: 0, total: before.total + 1 });
  });
});
