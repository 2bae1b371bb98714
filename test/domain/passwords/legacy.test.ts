import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import {
  importLegacySecret,
  isLegacyHash,
  parseLegacyHash,
  verifyLegacy,
} from '../../../src/domain/passwords/legacy.ts';

const django = (pw: string, salt: string, iter: number) =>
  `pbkdf2_sha256$${iter}$${salt}$${pbkdf2Sync(pw, salt, iter, 32, 'sha256').toString('base64')}`;
const ab64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '').replaceAll('+', '.');
const passlib = (pw: string, salt: Buffer, iter: number) =>
  `$pbkdf2-sha256$${iter}$${ab64(salt)}$${ab64(pbkdf2Sync(pw, salt, iter, 32, 'sha256'))}`;

describe('legacy password hashes', () => {
  it('verifies bcrypt $2a$, $2b$ and $2y$ hashes', async () => {
    const b = bcrypt.hashSync('correct horse 1', 4);
    for (const h of [b, b.replace('$2b$', '$2a$'), b.replace('$2b$', '$2y$')]) {
      assert.ok(isLegacyHash(h), h);
      assert.equal(await verifyLegacy(h, 'correct horse 1'), true);
      assert.equal(await verifyLegacy(h, 'correct horse 2'), false);
    }
  });

  it('verifies Django-style PBKDF2-SHA256', async () => {
    const h = django('pässword-1', 'someSalt123', 10000);
    assert.equal(parseLegacyHash(h)?.kind, 'pbkdf2-sha256');
    assert.equal(await verifyLegacy(h, 'pässword-1'), true);
    assert.equal(await verifyLegacy(h, 'password-1'), false);
  });

  it('verifies passlib-style PBKDF2-SHA256 with adapted base64', async () => {
    const h = passlib('secret-42', randomBytes(16), 2000);
    assert.ok(h.startsWith('$pbkdf2-sha256$2000$'));
    assert.equal(await verifyLegacy(h, 'secret-42'), true);
    assert.equal(await verifyLegacy(h, 'secret-43'), false);
  });

  it('refuses unknown formats, silly iteration counts and bcrypt costs', () => {
    for (const h of [
      'plaintext',
      '$argon2id$v=19$m=1024,t=1,p=1$abc$def',
      'md5$abc$def',
      '$2b$12$short',
      django('x', 'salt', 10),
      // A well-formed hash claiming 99 million rounds (not computed: that alone takes a minute).
      django('x', 'salt', 10000).replace('$10000$', '$99000000$'),
      `$2b$31$${'a'.repeat(53)}`,
      'pbkdf2_sha256$10000$salt$AAAA',
    ]) {
      assert.equal(isLegacyHash(h), false, h);
      assert.equal(importLegacySecret(h), undefined, h);
    }
  });

  it('imports a hash as an external password that needs migration', () => {
    const h = bcrypt.hashSync('pw', 4);
    assert.deepEqual(importLegacySecret(` ${h} `), {
      passwordHash: h,
      hasExternalPassword: true,
      migrationRequired: true,
    });
  });
});
