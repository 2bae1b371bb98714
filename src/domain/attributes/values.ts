import type { AttributeDefinition } from '../../config/load.ts';
import { KiboError } from '../errors.ts';

/** A value an attribute may hold once checked: text, a number or a boolean (dates as ISO text). */
export type AttributeValue = string | number | boolean;

/** The definition of `fqn` among a tenant's, compared without regard to case. */
export function findDefinition(defs: readonly AttributeDefinition[], fqn: string): AttributeDefinition | undefined {
  const want = fqn.trim().toLowerCase();
  return defs.find((d) => d.attributeFQN.toLowerCase() === want);
}

/**
 * Checks values against their definition: data type, one value unless multi-valued, a value from
 * the vocabulary for a List or Predefined attribute, and the validation rules (pattern, lengths,
 * numeric and date ranges). Answers the values as stored (dates normalised to ISO 8601 UTC).
 * @throws MISSING_OR_INVALID_PARAMETER naming the attribute
 */
export function checkValues(def: AttributeDefinition, values: readonly unknown[]): AttributeValue[] {
  const fqn = def.attributeFQN;
  const bad = (why: string): never => {
    throw new KiboError('MISSING_OR_INVALID_PARAMETER', `Attribute ${fqn}: ${why}`, {
      attribute: fqn,
      field: 'values',
    });
  };
  if (!def.isActive) bad('the attribute is not active');
  if (values.length === 0 && def.isRequired) bad('a value is required');
  if (values.length > 1 && !def.isMultiValued) bad('takes one value');
  const v = def.validation;
  const out = values.map((raw): AttributeValue => {
    switch (def.dataType) {
      case 'Bool':
        if (typeof raw !== 'boolean') bad('values must be true or false');
        return raw as boolean;
      case 'Number': {
        if (typeof raw !== 'number' || !Number.isFinite(raw)) bad('values must be numbers');
        const n = raw as number;
        if (v.minNumericValue !== undefined && n < v.minNumericValue)
          bad(`values must be at least ${v.minNumericValue}`);
        if (v.maxNumericValue !== undefined && n > v.maxNumericValue)
          bad(`values must be at most ${v.maxNumericValue}`);
        return n;
      }
      case 'DateTime': {
        const t = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : NaN;
        if (Number.isNaN(t)) bad('values must be ISO 8601 dates');
        if (v.minDateTime !== undefined && t < Date.parse(v.minDateTime))
          bad(`values must be on or after ${v.minDateTime}`);
        if (v.maxDateTime !== undefined && t > Date.parse(v.maxDateTime))
          bad(`values must be on or before ${v.maxDateTime}`);
        return new Date(t).toISOString();
      }
      case 'String': {
        if (typeof raw !== 'string') bad('values must be text');
        const s = raw as string;
        const len = [...s].length;
        if (v.minStringLength !== undefined && len < v.minStringLength)
          bad(`values must be at least ${v.minStringLength} characters`);
        if (v.maxStringLength !== undefined && len > v.maxStringLength)
          bad(`values must be at most ${v.maxStringLength} characters`);
        // The pattern is the operator's (checked to compile when the config loaded); whole value.
        if (v.regularExpression !== undefined && !new RegExp(`^(?:${v.regularExpression})$`, 'u').test(s))
          bad('values do not match the required pattern');
        return s;
      }
    }
  });
  if (def.inputType === 'List' || def.valueType === 'Predefined') {
    const allowed = new Set(def.vocabularyValues.map((x) => x.value));
    for (const x of out) if (!allowed.has(String(x))) bad(`${JSON.stringify(x)} is not one of its values`);
  }
  if (new Set(out.map(String)).size !== out.length) bad('values must not repeat');
  return out;
}
