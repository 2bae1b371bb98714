import type { ConfigFile, LoginSettings } from '../../src/config/schema.ts';
import { testConfigFile } from './config.ts';

/** testConfigFile() with some of tenant 1's sites given login settings (2FA, OTP). */
export function configWithLogin(bySite: Record<number, Partial<LoginSettings>>): ConfigFile {
  const file = testConfigFile();
  const t1 = file.tenants[0];
  t1.sites = t1.sites.map((s) => (bySite[s.id] ? { ...s, login: { ...s.login, ...bySite[s.id] } } : s));
  return file;
}
