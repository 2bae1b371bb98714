import assert from 'node:assert/strict';
import type { TestServer } from './server.ts';

/** A browser's cookie jar, kept by hand: what a console session needs without a browser. */
export class ConsoleVisitor {
  private jar = new Map<string, string>();
  lastSetCookies: string[] = [];
  constructor(
    private s: TestServer,
    private headers: Record<string, string> = {},
  ) {}

  async fetch(path: string, form?: Record<string, string>) {
    const res = await fetch(this.s.url + path, {
      method: form ? 'POST' : 'GET',
      headers: {
        ...this.headers,
        cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: 'manual',
    });
    this.lastSetCookies = res.headers.getSetCookie();
    for (const c of this.lastSetCookies) {
      const [pair] = c.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (value) this.jar.set(name, value);
      else this.jar.delete(name);
    }
    return { status: res.status, location: res.headers.get('location'), headers: res.headers, html: await res.text() };
  }

  /** A CSRF token from a page the visitor may open (the layout's sign-out form has one). */
  async csrf(path = '/console/accounts'): Promise<string> {
    const page = await this.fetch(path);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
    assert.ok(token, `no CSRF token on ${path}`);
    return token;
  }

  /** Posts a form of the page at `path` with its CSRF token, as a browser submits it. */
  async submit(path: string, action: string, form: Record<string, string> = {}) {
    const page = await this.fetch(path);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
    assert.ok(token, `no CSRF token on ${path} (${page.status})`);
    return this.fetch(action, { ...form, _csrf: token });
  }

  signIn(email: string, password: string) {
    return this.submit('/console/login', '/console/login', { email, password });
  }
}
