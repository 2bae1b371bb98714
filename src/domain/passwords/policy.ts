import type { LoginSettings } from '../../config/schema.ts';
import { KiboError } from '../errors.ts';

/**
 * Checks a new password against the site's rules.
 * @throws MISSING_OR_INVALID_PARAMETER naming the rule that failed
 */
export function assertPasswordPolicy(password: string, rules: LoginSettings['password']): void {
  const fail = (why: string) => {
    throw new KiboError('MISSING_OR_INVALID_PARAMETER', `The password ${why}`, { field: 'password' });
  };
  if ([...password].length < rules.minLength) fail(`must be at least ${rules.minLength} characters long`);
  if (rules.requireLetter !== false && !/\p{L}/u.test(password)) fail('must contain a letter');
  if (rules.requireDigit !== false && !/\p{Nd}/u.test(password)) fail('must contain a digit');
}
